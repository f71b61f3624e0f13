import NIOCore
import Relay

extension TCPProxyFilter {
    /// A tcp_proxy filter config, prepared once and shared by all its connections.
    public final class Shared: Sendable {
        /// The configured clusters; nil where the config names a cluster that does not exist
        /// (Envoy loads such a config and answers those connections with `NR`).
        let clusters: [(cluster: (any UpstreamCluster)?, weight: Int)]
        let totalWeight: Int
        let clusterManager: any ClusterManager
        let idleTimeout: TimeAmount?
        let maxConnectAttempts: Int
        let maxDownstreamConnectionDuration: TimeAmount?
        /// `max_early_data_bytes`: receive before connect, holding up to this many bytes.
        let maxEarlyDataBytes: Int?
        let accessLoggers: [AccessLogger]
        /// The `tcp.<stat_prefix>.` stats.
        public let stats: TCPProxyStats

        init(
            clusters: [((any UpstreamCluster)?, Int)],
            clusterManager: any ClusterManager,
            idleTimeout: TimeAmount?,
            maxConnectAttempts: Int,
            maxDownstreamConnectionDuration: TimeAmount?,
            maxEarlyDataBytes: Int? = nil,
            accessLoggers: [AccessLogger],
            stats: TCPProxyStats
        ) {
            self.clusters = clusters.map { (cluster: $0.0, weight: $0.1) }
            self.totalWeight = clusters.reduce(0) { $0 + $1.1 }
            self.clusterManager = clusterManager
            self.idleTimeout = idleTimeout
            self.maxConnectAttempts = maxConnectAttempts
            self.maxDownstreamConnectionDuration = maxDownstreamConnectionDuration
            self.maxEarlyDataBytes = maxEarlyDataBytes
            self.accessLoggers = accessLoggers
            self.stats = stats
        }

        /// The cluster for a new connection: the filter-state override, else the configured
        /// cluster, else a weighted pick.
        func pickCluster(filterState: FilterState) -> (any UpstreamCluster)? {
            if let override = filterState[.tcpProxyCluster] {
                return clusterManager.cluster(named: override)
            }
            if clusters.count == 1 { return clusters[0].cluster }
            var slot = Int.random(in: 0..<totalWeight)
            for choice in clusters {
                slot -= choice.weight
                if slot < 0 { return choice.cluster }
            }
            return clusters.last?.cluster
        }
    }
}
