import Logging
import NIOCore
import Relay
import RelayConfig
#if os(Linux)
import RelayIO
#endif

/// One listener, prepared at config load: its listener filters, filter chains and matcher.
/// Shared by every event loop; per-socket work happens in ``ListenerFilterPhase`` and the
/// ``SocketConnectionHandler``.
final class ListenerRuntime: Sendable {
    let name: String
    let address: SocketAddress
    let statPrefix: String
    let trafficDirection: TrafficDirection
    let stats: ListenerStats
    let listenerFilters: [PreparedListenerFilter]
    let listenerFiltersTimeout: TimeAmount?
    let continueOnListenerFiltersTimeout: Bool
    let chains: [FilterChainRuntime]
    let matcher: FilterChainMatcher
    /// `filter_chain_matcher`; when set it alone selects the chain (`matcher` is unused).
    let unifiedMatcher: UnifiedFilterChainMatcher?
    let defaultChain: FilterChainRuntime?
    let bufferLimit: Int
    let accessLoggers: [AccessLogger]
    let logger: Logger
    /// Raw options for the listening socket (`socket_options`, `tcp_keepalive`, `freebind`, `transparent`).
    let socketOptions: [SocketOptionConfig]
    /// `tcp_backlog_size` (Envoy's default 1024... when unset, the system's `SOMAXCONN` cap applies).
    let backlog: Int32
    /// The one chain every socket gets, when the listener has a single chain that matches
    /// everything and no `filter_chain_matcher` (most listeners): selection then builds no
    /// match input at all.
    private let onlyChain: FilterChainRuntime?

    init(
        name: String,
        address: SocketAddress,
        statPrefix: String,
        trafficDirection: TrafficDirection,
        stats: ListenerStats,
        listenerFilters: [PreparedListenerFilter],
        listenerFiltersTimeout: TimeAmount?,
        continueOnListenerFiltersTimeout: Bool,
        chains: [FilterChainRuntime],
        matcher: FilterChainMatcher,
        defaultChain: FilterChainRuntime?,
        bufferLimit: Int,
        accessLoggers: [AccessLogger],
        logger: Logger,
        socketOptions: [SocketOptionConfig] = [],
        backlog: Int32 = 1024,
        unifiedMatcher: UnifiedFilterChainMatcher? = nil
    ) {
        self.unifiedMatcher = unifiedMatcher
        self.onlyChain =
            unifiedMatcher == nil && chains.count == 1 && defaultChain == nil
                && matcher.criteria.count == 1 && matcher.criteria[0] == FilterChainMatchCriteria()
            ? chains[0] : nil
        self.socketOptions = socketOptions
        self.backlog = backlog
        self.name = name
        self.address = address
        self.statPrefix = statPrefix
        self.trafficDirection = trafficDirection
        self.stats = stats
        self.listenerFilters = listenerFilters
        self.listenerFiltersTimeout = listenerFiltersTimeout
        self.continueOnListenerFiltersTimeout = continueOnListenerFiltersTimeout
        self.chains = chains
        self.matcher = matcher
        self.defaultChain = defaultChain
        self.bufferLimit = bufferLimit
        self.accessLoggers = accessLoggers
        self.logger = logger
    }

    /// The handler for a newly accepted channel.
    func makeHandler(for channel: any Channel) -> ConnectionChannelHandler {
        let socket = AcceptedSocket(localAddress: channel.localAddress, remoteAddress: channel.remoteAddress)
        let phase = ListenerFilterPhase(listener: self, socket: socket, dispatcher: Dispatcher(eventLoop: channel.eventLoop))
        return ConnectionChannelHandler(accepting: phase, logger: logger) { [self] connection in
            connectionEnded(connection)
        }
    }

    #if os(Linux)
    /// The handler for a socket accepted by the `native` engine; `localAddress` is the
    /// listener's own address when it is bound to a specific one (no `getsockname` needed).
    func makeNativeHandler(for socket: StreamSocket, localAddress: SocketAddress?) -> NativeConnectionHandler {
        let accepted = AcceptedSocket(localAddress: localAddress ?? socket.localAddress(), remoteAddress: socket.remoteAddress)
        let phase = ListenerFilterPhase(listener: self, socket: accepted, dispatcher: Dispatcher(eventLoop: socket.loop, localTimers: socket.loop))
        return NativeConnectionHandler(accepted: socket, phase: phase, logger: logger) { [self] connection in
            connectionEnded(connection)
        }
    }
    #endif

    /// A downstream connection's end: access logs and the listener's connection stats.
    private func connectionEnded(_ connection: NetworkConnection?) {
        guard let connection else { return }
        for logger in accessLoggers { logger.log(connection) }
        stats.connectionsActive.decrement()
        stats.connectionsDestroyed.increment()
        let elapsed = connection.dispatcher.now - connection.streamInfo.startTime
        stats.connectionLengthMs.record(Double(elapsed.nanoseconds) / 1_000_000)
    }

    /// Picks the filter chain for `socket`, or nil.
    func selectChain(for socket: AcceptedSocket) -> FilterChainRuntime? {
        if let onlyChain { return onlyChain }
        if let unifiedMatcher {
            return unifiedMatcher.select(NetworkMatchingData(socket: socket)).map { chains[$0] } ?? defaultChain
        }
        let input = FilterChainMatchInput(
            destinationPort: socket.localAddress?.port,
            destinationIP: IPAddressBytes.bytes(of: socket.localAddress),
            serverName: socket.requestedServerName,
            transportProtocol: socket.detectedTransportProtocol,
            applicationProtocols: socket.requestedApplicationProtocols,
            directSourceIP: IPAddressBytes.bytes(of: socket.remoteAddress),
            sourceIP: IPAddressBytes.bytes(of: socket.remoteAddress),
            sourcePort: socket.remoteAddress?.port
        )
        if let index = matcher.select(input) { return chains[index] }
        return defaultChain
    }

    /// Builds the connection for a socket whose listener filters are done.
    func createConnection(
        for socket: AcceptedSocket,
        dispatcher: Dispatcher,
        filterState: FilterState,
        handler: SocketConnectionHandler,
        held: ByteBuffer?,
        sawEOF: Bool
    ) {
        guard let chain = selectChain(for: socket) else {
            stats.noFilterChainMatch.increment()
            logger.debug(
                "closing connection: no matching filter chain",
                metadata: ["remote": "\(socket.remoteAddress.map { "\($0)" } ?? "-")", "sni": "\(socket.requestedServerName)"]
            )
            if !accessLoggers.isEmpty {
                let record = AccessLogRecord(
                    refusedFrom: socket.remoteAddress,
                    to: socket.localAddress,
                    requestedServerName: socket.requestedServerName,
                    responseFlags: .noRoute,
                    details: "filter_chain_not_found"
                )
                for logger in accessLoggers { logger.log(record) }
            }
            handler.rejectSocket()
            return
        }
        let streamInfo = StreamInfo(startTime: dispatcher.now, filterState: filterState)
        streamInfo.requestedServerName = socket.requestedServerName
        streamInfo.filterChainName = chain.name
        let connection = NetworkConnection(
            id: NetworkConnection.nextID(),
            transport: handler,
            dispatcher: dispatcher,
            streamInfo: streamInfo,
            bufferLimit: bufferLimit
        )
        connection.localAddress = socket.localAddress
        connection.remoteAddress = socket.remoteAddress
        stats.connectionsTotal.increment()
        stats.connectionsActive.increment()
        let transportSocket = chain.transportSocketFactory?.makeTransportSocket(options: TransportSocketOptions())
        var builder = FilterChainBuilder(connection: connection)
        for filter in chain.filters {
            filter.install(into: &builder)
        }
        handler.adopt(connection: connection, transportSocket: transportSocket)
        guard connection.initializeReadFilters() else {
            logger.debug("closing connection: filter chain has no read filters")
            connection.close(.noFlush)
            return
        }
        if let timeout = chain.transportSocketConnectTimeout, transportSocket != nil {
            let watcher = HandshakeTimeoutWatcher(connection: connection, stats: stats)
            watcher.arm(timeout)
        }
        handler.attach(held: held, sawEOF: sawEOF)
    }
}

/// Closes a downstream connection whose TLS handshake does not finish in time
/// (`transport_socket_connect_timeout`).
final class HandshakeTimeoutWatcher: ConnectionCallbacks {
    private let connection: NetworkConnection
    private let stats: ListenerStats
    private var timer: DispatcherTimer?
    private let liveObject: LiveObjectToken

    init(connection: NetworkConnection, stats: ListenerStats) {
        self.connection = connection
        self.stats = stats
        self.liveObject = LiveObjectToken(.handshakeTimeoutWatcher, on: connection.dispatcher.eventLoop)
    }

    func arm(_ timeout: TimeAmount) {
        connection.addConnectionCallbacks(self)
        timer = connection.dispatcher.schedule(after: timeout) { [self] in
            timer = nil
            stats.transportSocketConnectTimeouts.increment()
            connection.close(.noFlush)
        }
    }

    func onEvent(_ event: ConnectionEvent) {
        timer?.cancel()
        timer = nil
        connection.removeConnectionCallbacks(self)
    }
}
