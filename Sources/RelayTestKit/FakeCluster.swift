import NIOCore
import Relay

/// An upstream cluster for tests: `connect` answers with ``mode`` and records each started
/// attempt, so the test decides later whether it succeeds (``FilterHarness/completeUpstreamConnect(_:bufferLimit:)``)
/// or fails (``FilterHarness/failUpstreamConnect(_:reason:)``).
///
/// - Note: Used only from the test's thread (the harness's `EmbeddedEventLoop`); the
///   `@unchecked Sendable` satisfies `UpstreamCluster` without a lock.
public final class FakeCluster: UpstreamCluster, @unchecked Sendable {
    /// What the next `connect` answers.
    public enum Mode: Sendable {
        /// Start an attempt the test completes or fails later.
        case start
        /// The cluster's connection limit is reached (`UO`).
        case overflow
        /// No healthy host (`UH`).
        case noHealthyHost
    }

    /// The cluster, with `cluster.<name>.` stats in the store it was made with.
    public let info: ClusterInfo
    /// The one host every attempt goes to.
    public let host: HostDescription
    /// What the next `connect` answers.
    public var mode: Mode = .start
    /// Every `connect` call, started or not.
    public private(set) var connectCalls = 0
    /// The attempts that started, oldest first.
    public private(set) var attempts: [FakeConnectAttempt] = []

    /// A cluster named `name` whose host is `hostAddress`.
    public init(name: String, stats: StatsStore, hostAddress: SocketAddress? = nil) {
        let scope = stats.root.scope("cluster", taggedValue: name, tagName: "envoy.cluster_name")
        info = ClusterInfo(name: name, stats: ClusterStats(scope: scope))
        let address = hostAddress ?? (try! SocketAddress(ipAddress: "10.0.0.1", port: 9000))
        host = HostDescription(address: address, clusterName: name)
    }

    /// The latest attempt that has not been answered yet.
    public var pendingAttempt: FakeConnectAttempt? {
        attempts.last { !$0.isAnswered && !$0.isCancelled }
    }

    public func connect(from downstream: NetworkConnection, callbacks: any UpstreamConnectCallbacks) -> UpstreamConnectAttempt {
        connectCalls += 1
        switch mode {
        case .start:
            let attempt = FakeConnectAttempt(callbacks: callbacks)
            attempts.append(attempt)
            return .started(attempt)
        case .overflow:
            info.stats.upstreamOverflow.increment()
            return .overflow
        case .noHealthyHost:
            info.stats.upstreamNoneHealthy.increment()
            return .noHealthyHost
        }
    }
}

/// One started connect: holds the filter's callbacks until the test answers.
public final class FakeConnectAttempt: UpstreamConnectHandle {
    /// The terminal filter waiting for the answer.
    public let callbacks: any UpstreamConnectCallbacks
    /// Whether the filter cancelled the attempt.
    public private(set) var isCancelled = false
    /// Whether the test answered (success or failure).
    public internal(set) var isAnswered = false

    init(callbacks: any UpstreamConnectCallbacks) {
        self.callbacks = callbacks
    }

    public func cancel() {
        isCancelled = true
    }
}

/// A cluster manager over a fixed set of ``FakeCluster``s.
public final class FakeClusterManager: ClusterManager, @unchecked Sendable {
    /// The clusters by name.
    public let clusters: [String: FakeCluster]
    /// The store the clusters' stats are in.
    public let stats: StatsStore

    /// Fake clusters named `names`, with stats in `stats`.
    public init(clusterNames names: [String], stats: StatsStore = StatsStore()) {
        self.stats = stats
        self.clusters = Dictionary(uniqueKeysWithValues: names.map { ($0, FakeCluster(name: $0, stats: stats)) })
    }

    public func cluster(named name: String) -> (any UpstreamCluster)? {
        clusters[name]
    }

    /// The fake cluster called `name` (traps if there is none: a test bug).
    public subscript(name: String) -> FakeCluster {
        guard let cluster = clusters[name] else { preconditionFailure("no fake cluster named '\(name)'") }
        return cluster
    }
}
