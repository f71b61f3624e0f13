import NIOCore
import Relay

/// A bootstrap resolved against a `FilterRegistry`: every filter and transport socket
/// prepared, listeners and clusters ready to run. Immutable and `Sendable`; building it does
/// all the expensive work (TLS contexts, matchers) off the event loops.
public struct ServerConfiguration: Sendable {
    let listeners: [ListenerRuntime]
    let clusterManager: RuntimeClusterManager
    /// The admin server's address, if the bootstrap has `admin`.
    public let adminAddress: SocketAddress?
    /// The stats every component of this configuration reports into.
    public let stats: StatsStore
    /// The local node.
    public let localInfo: LocalInfo
    /// The bootstrap as JSON, for `/config_dump`.
    let configDumpJSON: String

    /// The listeners' names, in configuration order.
    public var listenerNames: [String] { listeners.map(\.name) }

    /// The clusters' names, in configuration order.
    public var clusterNames: [String] { clusterManager.order }
}
