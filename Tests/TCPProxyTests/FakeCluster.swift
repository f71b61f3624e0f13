import NIOCore
import Relay

/// An in-test upstream cluster: `connect` answers with ``mode`` and records each started
/// attempt, so the test decides later whether it succeeds or fails.
///
/// - Note: Used only from the test's thread (the harness's `EmbeddedEventLoop`); the
///   `@unchecked Sendable` satisfies ``UpstreamCluster`` without a lock.
final class FakeCluster: UpstreamCluster, @unchecked Sendable {
    /// What the next `connect` answers.
    enum Mode {
        case start
        case overflow
        case noHealthyHost
    }

    let info: ClusterInfo
    let host: HostDescription
    var mode: Mode = .start
    /// Every `connect` call, started or not.
    private(set) var connectCalls = 0
    /// The attempts that started, oldest first.
    private(set) var attempts: [FakeConnectAttempt] = []

    init(name: String, stats: StatsStore) {
        let scope = stats.root.scope("cluster", taggedValue: name, tagName: "envoy.cluster_name")
        info = ClusterInfo(name: name, stats: ClusterStats(scope: scope))
        host = HostDescription(address: try! SocketAddress(ipAddress: "10.0.0.1", port: 9000), clusterName: name)
    }

    func connect(from downstream: NetworkConnection, callbacks: any UpstreamConnectCallbacks) -> UpstreamConnectAttempt {
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
final class FakeConnectAttempt: UpstreamConnectHandle {
    let callbacks: any UpstreamConnectCallbacks
    private(set) var isCancelled = false

    init(callbacks: any UpstreamConnectCallbacks) {
        self.callbacks = callbacks
    }

    func cancel() {
        isCancelled = true
    }
}

/// An in-test cluster manager over a fixed set of fake clusters.
final class FakeClusterManager: ClusterManager, @unchecked Sendable {
    let clusters: [String: FakeCluster]

    init(_ clusters: [FakeCluster]) {
        self.clusters = Dictionary(uniqueKeysWithValues: clusters.map { ($0.info.name, $0) })
    }

    func cluster(named name: String) -> (any UpstreamCluster)? {
        clusters[name]
    }
}
