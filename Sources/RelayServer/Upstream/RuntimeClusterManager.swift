import Relay

/// The configured clusters, by name. Built at config load; read from every event loop.
final class RuntimeClusterManager: ClusterManager, Sendable {
    let clusters: [String: RuntimeCluster]
    /// Cluster names in configuration order (for admin output).
    let order: [String]

    init(clusters: [RuntimeCluster]) {
        var byName: [String: RuntimeCluster] = [:]
        for cluster in clusters { byName[cluster.info.name] = cluster }
        self.clusters = byName
        self.order = clusters.map(\.info.name)
    }

    func cluster(named name: String) -> (any UpstreamCluster)? {
        clusters[name]
    }
}
