import IstioPeer
import Relay

extension TCPStatsFilter {
    /// The immutable, per-filter-chain runtime config of the TCP stats filter, built once by
    /// ``TCPStatsFilter/Factory/prepare(_:context:)`` and shared by every connection of the chain.
    ///
    /// Everything constant is resolved here: the reporter, the local workload, the string-valued
    /// node metadata, and the reporting interval. Per-connection work is limited to reading the
    /// connection's own facts.
    public struct Shared: Sendable {
        /// The decoded `stats.PluginConfig`.
        public let config: TCPStatsConfig
        /// Which side reports (from the config's `reporter` and the listener direction).
        public let reporter: TCPStatsReporter
        /// The local workload, from the bootstrap node metadata.
        public let localNode: WorkloadMetadata
        /// The node metadata entries that are strings (`ISTIO_VERSION`, `MESH_ID`, …), for custom
        /// dimensions reading `node.metadata['KEY']`.
        public let localNodeMetadata: [String: String]
        /// The reporting interval, or `nil` when everything is reported at close.
        public let reportingInterval: Duration?
        /// The counters, shared by the chain's connections.
        public let series: TCPStatsSeriesCache

        /// Builds the shared config.
        ///
        /// - Parameters:
        ///   - config: the decoded filter config.
        ///   - direction: the listener's traffic direction.
        ///   - localInfo: the local node.
        ///   - stats: the store the metrics go to.
        public init(config: TCPStatsConfig, direction: TrafficDirection, localInfo: LocalInfo, stats: StatsStore) {
            self.config = config
            self.reporter = TCPStatsReporter(configured: config.reporter, direction: Self.listenerDirection(direction))
            self.localNode = localInfo.workloadMetadata()
            var strings: [String: String] = [:]
            for (key, value) in localInfo.metadata {
                if let string = value.stringValue { strings[key] = string }
            }
            self.localNodeMetadata = strings
            self.reportingInterval = config.periodicReportingInterval
            self.series = TCPStatsSeriesCache(store: stats)
        }

        static func listenerDirection(_ direction: TrafficDirection) -> TCPStatsReporter.ListenerDirection {
            switch direction {
            case .unspecified: .unspecified
            case .inbound: .inbound
            case .outbound: .outbound
            }
        }
    }
}
