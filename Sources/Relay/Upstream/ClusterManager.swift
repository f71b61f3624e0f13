/// The clusters a terminal filter can connect to. Made by the runtime at config load and
/// shared by every event loop.
public protocol ClusterManager: Sendable {
    /// The cluster named `name`, if configured.
    func cluster(named name: String) -> (any UpstreamCluster)?
}

/// One upstream cluster: host selection, circuit breaking, and connecting.
public protocol UpstreamCluster: Sendable {
    /// The cluster's facts and stats.
    var info: ClusterInfo { get }

    /// Picks a host with the cluster's load balancer and connects to it on the downstream
    /// connection's event loop, with the cluster's transport socket and upstream filters.
    ///
    /// - Parameters:
    ///   - downstream: the connection being proxied (its loop, filter state and TLS facts
    ///     are used; shared filter state is copied to the upstream connection).
    ///   - callbacks: told once: ready or failed.
    func connect(from downstream: NetworkConnection, callbacks: any UpstreamConnectCallbacks) -> UpstreamConnectAttempt
}

/// The immediate answer to ``UpstreamCluster/connect(from:callbacks:)``.
public enum UpstreamConnectAttempt {
    /// Connecting; the callbacks will hear back. Cancel through the handle.
    case started(any UpstreamConnectHandle)
    /// The cluster's `max_connections` circuit breaker is open.
    case overflow
    /// The cluster has no host to connect to.
    case noHealthyHost
}

/// A pending upstream connect.
public protocol UpstreamConnectHandle: AnyObject {
    /// Abandons the attempt; the callbacks are not called.
    func cancel()
}

/// Why an upstream connect failed.
public enum UpstreamFailureReason: Sendable, Hashable {
    /// TCP connect refused or failed.
    case connectFailure
    /// `connect_timeout` elapsed (TLS handshake included).
    case timeout
    /// The TLS handshake failed.
    case handshakeFailure
    /// The host closed the connection before it was ready.
    case remoteClose
}

/// Receives the result of an upstream connect. Called on the downstream's event loop.
public protocol UpstreamConnectCallbacks: AnyObject {
    /// The upstream connection is established (and its TLS handshake done). The cluster's
    /// upstream filters are installed but not yet initialized: the caller adds its own read
    /// filter and then calls ``NetworkConnection/initializeReadFilters()``.
    func upstreamReady(_ connection: NetworkConnection, host: HostDescription)

    /// The connect failed.
    func upstreamFailed(_ reason: UpstreamFailureReason, host: HostDescription?)
}
