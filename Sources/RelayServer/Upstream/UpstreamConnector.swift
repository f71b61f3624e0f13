import NIOCore
import NIOPosix
import Relay
import RelayConfig

/// One upstream connect on the downstream connection's event loop: TCP connect with the
/// cluster's `connect_timeout` (covering the TLS handshake too), the upstream connection
/// with the cluster's transport socket and upstream filters, and the cluster/host stats.
///
/// - Note: Confined to the downstream connection's event loop.
final class UpstreamConnector: UpstreamConnectHandle {
    private let cluster: RuntimeCluster
    private let host: HostDescription
    private let downstream: NetworkConnection
    private var callbacks: (any UpstreamConnectCallbacks)?
    private var channel: (any Channel)?
    private var timer: DispatcherTimer?
    private var startTime: NIODeadline
    private var released = false

    init(cluster: RuntimeCluster, host: HostDescription, downstream: NetworkConnection, callbacks: any UpstreamConnectCallbacks) {
        self.cluster = cluster
        self.host = host
        self.downstream = downstream
        self.callbacks = callbacks
        self.startTime = downstream.dispatcher.now
    }

    func start() {
        let stats = cluster.info.stats
        stats.upstreamConnectionsTotal.increment()
        host.stats.connectionsTotal.increment()
        let dispatcher = downstream.dispatcher
        let loop = dispatcher.eventLoop
        // NIO's own connect timeout covers plain TCP; with TLS the handshake must fit in the
        // same budget, which this timer enforces.
        if cluster.transportSocketFactory != nil {
            timer = dispatcher.schedule(after: cluster.info.connectTimeout) { [self] in
                timer = nil
                stats.upstreamConnectTimeouts.increment()
                fail(.timeout)
            }
        }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let limit = cluster.info.perConnectionBufferLimit
        var bootstrap = ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(cluster.info.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try bound.value.install(on: channel)
                }
            }
        if limit > 0 {
            bootstrap = bootstrap.channelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(low: limit / 2, high: limit)
            )
        }
        for option in cluster.socketOptions {
            bootstrap = bootstrap.channelOption(option.channelOption, value: Int(option.intValue))
        }
        bootstrap.connect(to: host.address).assumeIsolated().whenFailure { [self] error in
            guard callbacks != nil else { return }
            if case ChannelError.connectTimeout = error {
                stats.upstreamConnectTimeouts.increment()
                fail(.timeout)
                return
            }
            stats.upstreamConnectFailures.increment()
            host.stats.connectFailures.increment()
            fail(.connectFailure)
        }
    }

    private func install(on channel: any Channel) throws {
        self.channel = channel
        let handler = ConnectionChannelHandler(
            upstreamReady: { [self] connection in ready(connection) },
            failed: { [self] _ in
                cluster.info.stats.upstreamConnectFailures.increment()
                host.stats.connectFailures.increment()
                fail(.handshakeFailure)
            },
            logger: cluster.logger,
            onClose: { [self] connection in closed(connection) }
        )
        let streamInfo = StreamInfo(startTime: downstream.dispatcher.now)
        let connection = NetworkConnection(
            id: NetworkConnection.nextID(),
            transport: handler,
            dispatcher: downstream.dispatcher,
            streamInfo: streamInfo,
            isUpstream: true,
            bufferLimit: cluster.info.perConnectionBufferLimit
        )
        connection.cluster = cluster.info
        connection.host = host
        connection.remoteAddress = host.address
        downstream.filterState.copyShared(into: connection.filterState)
        let options = TransportSocketOptions(
            serverNameOverride: downstream.filterState[.upstreamServerName],
            applicationProtocolsOverride: downstream.filterState[.upstreamApplicationProtocols],
            hostname: host.hostname.isEmpty ? nil : host.hostname
        )
        let transportSocket = cluster.transportSocketFactory?.makeTransportSocket(options: options)
        handler.adopt(connection: connection, transportSocket: transportSocket)
        var builder = FilterChainBuilder(connection: connection)
        for filter in cluster.upstreamFilters {
            filter.install(into: &builder)
        }
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    private func ready(_ connection: NetworkConnection) {
        timer?.cancel()
        timer = nil
        guard let callbacks else {
            connection.close(.noFlush)
            return
        }
        self.callbacks = nil
        let elapsed = downstream.dispatcher.now - startTime
        cluster.info.stats.upstreamConnectMs.record(Double(elapsed.nanoseconds) / 1_000_000)
        cluster.info.stats.upstreamConnectionsActive.increment()
        host.stats.connectionsActive.increment()
        connection.localAddress = channel?.localAddress
        startTime = downstream.dispatcher.now
        callbacks.upstreamReady(connection, host: host)
    }

    private func fail(_ reason: UpstreamFailureReason) {
        timer?.cancel()
        timer = nil
        let callbacks = self.callbacks
        self.callbacks = nil
        channel?.close(promise: nil)
        release()
        callbacks?.upstreamFailed(reason, host: host)
    }

    private func closed(_ connection: NetworkConnection?) {
        if callbacks != nil {
            fail(.remoteClose)
            return
        }
        guard let connection, !released else {
            release()
            return
        }
        let stats = cluster.info.stats
        stats.upstreamConnectionsActive.decrement()
        host.stats.connectionsActive.decrement()
        stats.upstreamDestroy.increment()
        stats.upstreamRxBytesTotal.increment(by: connection.bytesRead)
        stats.upstreamTxBytesTotal.increment(by: connection.bytesWritten)
        let elapsed = downstream.dispatcher.now - startTime
        stats.upstreamLengthMs.record(Double(elapsed.nanoseconds) / 1_000_000)
        release()
    }

    private func release() {
        guard !released else { return }
        released = true
        cluster.connectionReleased()
    }

    func cancel() {
        callbacks = nil
        timer?.cancel()
        timer = nil
        channel?.close(promise: nil)
        release()
    }
}

@available(*, unavailable)
extension UpstreamConnector: Sendable {}
