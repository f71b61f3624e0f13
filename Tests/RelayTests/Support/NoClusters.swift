import Relay

/// A ``ClusterManager`` with no clusters, for factory contexts in tests.
struct NoClusters: ClusterManager {
    func cluster(named name: String) -> (any UpstreamCluster)? { nil }
}
