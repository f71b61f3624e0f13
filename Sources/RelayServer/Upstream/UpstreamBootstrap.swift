import NIOCore
import NIOPosix
import Relay
import RelayConfig

/// One cluster's upstream connect setup on one event loop, built once and reused for every
/// connection from that loop: the `ClientBootstrap`, its stored channel options and its channel
/// initializer are made once, not once per connection.
///
/// NIO calls a bootstrap's channel initializer synchronously inside `connect(to:)` when that is
/// called on the channel's event loop, so the connector whose channel is being made is handed
/// over in a loop-bound slot that is set only across that call.
final class UpstreamBootstrap: Sendable {
    /// `ClientBootstrap` is not `Sendable`: it is only used on its loop.
    private let bootstrap: NIOLoopBound<ClientBootstrap>
    /// The connector whose channel `connect` is creating; set only during `connect`.
    private let installing: NIOLoopBoundBox<UpstreamConnector?>

    /// Builds the bootstrap; must be called on `loop`.
    init(cluster: RuntimeCluster, on loop: any EventLoop) {
        let installing = NIOLoopBoundBox.makeEmptyBox(valueType: UpstreamConnector.self, eventLoop: loop)
        self.installing = installing
        let limit = cluster.info.perConnectionBufferLimit
        var bootstrap = ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: RelayServer.receiveAllocator)
            .connectTimeout(cluster.info.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let connector = installing.value else {
                        throw ChannelError.inappropriateOperationForState
                    }
                    installing.value = nil
                    try connector.install(on: channel)
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
        self.bootstrap = NIOLoopBound(bootstrap, eventLoop: loop)
    }

    /// Connects a new channel for `connector` to `address`. Must be called on this bootstrap's
    /// event loop.
    func connect(_ connector: UpstreamConnector, to address: SocketAddress) -> EventLoopFuture<any Channel> {
        installing.value = connector
        defer { installing.value = nil }
        return bootstrap.value.connect(to: address)
    }
}
