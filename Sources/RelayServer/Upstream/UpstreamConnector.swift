import Logging
import NIOCore
import NIOPosix
import Relay
import RelayConfig
#if os(Linux)
import RelayIO
#endif

/// One upstream connection on the downstream connection's event loop, from connect to close:
/// TCP connect with the cluster's `connect_timeout` (covering the TLS handshake too), the
/// upstream connection with the cluster's transport socket and upstream filters, and the
/// cluster/host stats.
///
/// Stats follow Envoy's connection pool: `upstream_cx_total` and `upstream_cx_active` count
/// from the moment the connect starts; every attempt ends exactly once in
/// `upstream_cx_destroy` plus `upstream_cx_destroy_local` (Relay closed it: a cancelled
/// attempt, a connect timeout, a local close) or `upstream_cx_destroy_remote` (the peer or the
/// network ended it: refused, reset, handshake failure, remote close). So at rest
/// `total == destroy + active` and `destroy == destroy_local + destroy_remote`.
///
/// - Note: Confined to the downstream connection's event loop.
final class UpstreamConnector: UpstreamConnectHandle {
    private enum State {
        /// Connecting (TCP, then TLS if any).
        case connecting
        /// Handed to the caller as a ready connection.
        case connected
        /// Ended and accounted for.
        case destroyed
    }

    private let cluster: RuntimeCluster
    private let host: HostDescription
    private let downstream: NetworkConnection
    private var callbacks: (any UpstreamConnectCallbacks)?
    private var channel: (any Channel)?
    #if os(Linux)
    /// The `native` engine's socket glue, held while connecting (to cancel it).
    private var nativeHandler: NativeConnectionHandler?
    #endif
    /// The connect timeout (TCP connect plus TLS handshake). The timer holds this connector
    /// strongly (a closure capturing one object needs no context allocation; a weak or
    /// `unowned` capture needs one, and a weak one a side table) until it fires or is cancelled,
    /// which every end of the attempt does (`ready`, `fail`, `cancel`).
    private var timer: DispatcherTimer?
    private var startTime: NIODeadline
    private var state = State.connecting
    private let liveObject: LiveObjectToken

    init(cluster: RuntimeCluster, host: HostDescription, downstream: NetworkConnection, callbacks: any UpstreamConnectCallbacks) {
        self.cluster = cluster
        self.host = host
        self.downstream = downstream
        self.callbacks = callbacks
        self.startTime = downstream.dispatcher.now
        self.liveObject = LiveObjectToken(.upstreamConnector, on: downstream.dispatcher.eventLoop)
    }

    func start() {
        let stats = cluster.info.stats
        stats.upstreamConnectionsTotal.increment()
        stats.upstreamConnectionsActive.increment()
        host.stats.connectionsTotal.increment()
        host.stats.connectionsActive.increment()
        let dispatcher = downstream.dispatcher
        let loop = dispatcher.eventLoop
        #if os(Linux)
        if let native = loop as? NativeEventLoop {
            startNative(on: native)
            return
        }
        #endif
        // NIO's own connect timeout covers plain TCP; with TLS the handshake must fit in the
        // same budget, which this timer enforces.
        if cluster.transportSocketFactory != nil {
            timer = dispatcher.schedule(after: cluster.info.connectTimeout) { [self] in
                timer = nil
                fail(.timeout)
            }
        }
        // The cluster's bootstrap for this loop, prepared once (options, initializer).
        cluster.upstreamBootstrap(on: loop).connect(self, to: host.address).assumeIsolated().whenFailure { [self] error in
            if case ChannelError.connectTimeout = error {
                fail(.timeout)
            } else {
                fail(.connectFailure)
            }
        }
    }

    /// Builds the upstream handler and connection on `channel` (the bootstrap's initializer).
    func install(on channel: any Channel) throws {
        self.channel = channel
        // The handler keeps this connector alive until the channel's pipeline is torn down;
        // the connector holds the channel only while connecting (to cancel it), so no cycle
        // outlives the connect.
        let handler = ConnectionChannelHandler(
            on: channel.eventLoop,
            upstreamReady: { [self] connection in ready(connection) },
            failed: { [self] _ in fail(.handshakeFailure) },
            logger: cluster.logger,
            onClose: { [self] connection in closed(connection) }
        )
        let (connection, transportSocket) = makeConnection(transport: handler)
        handler.adopt(connection: connection, transportSocket: transportSocket)
        installUpstreamFilters(on: connection)
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    #if os(Linux)
    /// The `native` engine: a RelayIO socket connects with the cluster's options; one timer
    /// covers the TCP connect and the TLS handshake (`connect_timeout`).
    private func startNative(on loop: NativeEventLoop) {
        timer = downstream.dispatcher.schedule(after: cluster.info.connectTimeout) { [self] in
            timer = nil
            fail(.timeout)
        }
        let handler = NativeConnectionHandler(
            on: loop,
            upstreamReady: { [self] connection in ready(connection) },
            failed: { [self] _ in fail(.handshakeFailure) },
            connectFailed: { [self] _ in fail(.connectFailure) },
            logger: cluster.logger,
            onClose: { [self] connection in closed(connection) }
        )
        nativeHandler = handler
        let (connection, transportSocket) = makeConnection(transport: handler)
        handler.adopt(connection: connection, transportSocket: transportSocket)
        installUpstreamFilters(on: connection)
        do {
            try handler.connect(
                to: host.address,
                options: cluster.nativeSocketOptions,
                configuration: cluster.nativeSocketConfiguration
            )
        } catch {
            // Refused before any I/O (no route, no descriptors): reported on the next turn, as
            // a failed connect always is, never from inside the caller's connect request.
            cluster.logger.debug("upstream connect failed", metadata: ["error": "\(error)", "host": "\(host.address)"])
            downstream.dispatcher.post { [self] in fail(.connectFailure) }
        }
    }
    #endif

    /// The upstream connection over `transport`, with the cluster's transport socket.
    private func makeConnection(transport: any ConnectionTransport) -> (NetworkConnection, (any TransportSocket)?) {
        let streamInfo = StreamInfo(startTime: downstream.dispatcher.now)
        let connection = NetworkConnection(
            id: NetworkConnection.nextID(),
            transport: transport,
            dispatcher: downstream.dispatcher,
            streamInfo: streamInfo,
            isUpstream: true,
            bufferLimit: cluster.info.perConnectionBufferLimit
        )
        connection.remoteCluster = cluster.info
        connection.remoteHost = host
        connection.remoteAddress = host.address
        downstream.filterState.copyShared(into: connection.filterState)
        let options = TransportSocketOptions(
            serverNameOverride: downstream.filterState[.upstreamServerName],
            applicationProtocolsOverride: downstream.filterState[.upstreamApplicationProtocols],
            hostname: host.hostname.isEmpty ? nil : host.hostname
        )
        return (connection, cluster.transportSocketFactory?.makeTransportSocket(options: options))
    }

    private func installUpstreamFilters(on connection: NetworkConnection) {
        var builder = FilterChainBuilder(connection: connection)
        for filter in cluster.upstreamFilters {
            filter.install(into: &builder)
        }
    }

    private func ready(_ connection: NetworkConnection) {
        timer?.cancel()
        timer = nil
        guard case .connecting = state, let callbacks else {
            connection.close(.noFlush)
            return
        }
        state = .connected
        self.callbacks = nil
        cluster.outlierDetector?.putResult(.connectSucceeded, for: host)
        let elapsed = downstream.dispatcher.now - startTime
        cluster.info.stats.upstreamConnectMs.record(Double(elapsed.nanoseconds) / 1_000_000)
        connection.localAddress = channel?.localAddress
        channel = nil
        #if os(Linux)
        if let nativeHandler {
            connection.localAddress = nativeHandler.localAddress
            self.nativeHandler = nil
        }
        #endif
        startTime = downstream.dispatcher.now
        callbacks.upstreamReady(connection, host: host)
    }

    /// The attempt failed before the connection was ready.
    private func fail(_ reason: UpstreamFailureReason) {
        guard case .connecting = state else { return }
        timer?.cancel()
        timer = nil
        let stats = cluster.info.stats
        if reason == .timeout {
            stats.upstreamConnectTimeouts.increment()
        } else {
            stats.upstreamConnectFailures.increment()
            host.stats.connectFailures.increment()
        }
        // As Envoy's tcp_proxy reports to outlier detection: a connect timeout is
        // LocalOriginTimeout; a refused connect, a close before ready and a failed TLS handshake
        // (Envoy's connection raises RemoteClose for it) are LocalOriginConnectFailed.
        cluster.outlierDetector?.putResult(reason == .timeout ? .timeout : .connectFailed, for: host)
        // A timeout is Relay giving up (a local close, as in Envoy); the rest are the peer's
        // or the network's doing.
        destroyed(locally: reason == .timeout)
        let callbacks = self.callbacks
        self.callbacks = nil
        channel?.close(promise: nil)
        channel = nil
        closeNativeHandler()
        callbacks?.upstreamFailed(reason, host: host)
    }

    /// The upstream channel's connection is gone (`nil`: the channel closed before it had one).
    private func closed(_ connection: NetworkConnection?) {
        switch state {
        case .connecting:
            fail(.remoteClose)
        case .connected:
            let stats = cluster.info.stats
            if let connection {
                stats.upstreamRxBytesTotal.increment(by: connection.bytesRead)
                stats.upstreamTxBytesTotal.increment(by: connection.bytesWritten)
            }
            let elapsed = downstream.dispatcher.now - startTime
            stats.upstreamLengthMs.record(Double(elapsed.nanoseconds) / 1_000_000)
            destroyed(locally: connection?.closeEvent == .localClose)
            channel = nil
            closeNativeHandler()
        case .destroyed:
            channel = nil
            closeNativeHandler()
        }
    }

    /// Accounts for the end of this upstream connection, once.
    private func destroyed(locally: Bool) {
        guard state != .destroyed else { return }
        state = .destroyed
        let stats = cluster.info.stats
        stats.upstreamConnectionsActive.decrement()
        host.stats.connectionsActive.decrement()
        stats.upstreamDestroy.increment()
        if locally {
            stats.upstreamDestroyLocal.increment()
        } else {
            stats.upstreamDestroyRemote.increment()
        }
        cluster.connectionReleased()
    }

    func cancel() {
        callbacks = nil
        guard case .connecting = state else { return }
        timer?.cancel()
        timer = nil
        destroyed(locally: true)
        channel?.close(promise: nil)
        channel = nil
        closeNativeHandler()
    }

    /// Closes the `native` engine's socket of an attempt that is given up.
    private func closeNativeHandler() {
        #if os(Linux)
        let handler = nativeHandler
        nativeHandler = nil
        handler?.close(.immediately)
        #endif
    }
}

@available(*, unavailable)
extension UpstreamConnector: Sendable {}
