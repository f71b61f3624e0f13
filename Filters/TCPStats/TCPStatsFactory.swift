import Relay

extension TCPStatsFilter {
    /// The factory of Istio's stats filter as a network filter: name `istio.stats`, config
    /// `stats.PluginConfig` (``TCPStatsConfig``).
    ///
    /// Place it before `tcp_proxy` in a filter chain (and after `istio.metadata_exchange` on
    /// inbound chains). Each connection gets one small ``TCPStatsFilter`` on the read path; it
    /// reads byte counts from the connection's `StreamInfo`, which tcp_proxy maintains, so it
    /// needs no write path.
    public struct Factory: NetworkFilterFactory {
        /// The decoded `typed_config`.
        public typealias Config = TCPStatsConfig
        /// The per-chain runtime config.
        public typealias Prepared = TCPStatsFilter.Shared

        /// `istio.stats`.
        public static let name: FilterName = "istio.stats"
        /// `type.googleapis.com/stats.PluginConfig`.
        public static let typeURLs = ["type.googleapis.com/stats.PluginConfig"]

        /// Creates the factory.
        public init() {}

        /// Resolves the reporter from the config and the listener direction, the local workload
        /// from the node, and keeps the stats store.
        public func prepare(_ config: TCPStatsConfig, context: FactoryContext) throws -> TCPStatsFilter.Shared {
            TCPStatsFilter.Shared(
                config: config,
                direction: context.trafficDirection,
                localInfo: context.localInfo,
                stats: context.stats
            )
        }

        /// Adds one ``TCPStatsFilter`` to the connection's read chain.
        public func makeFilters(_ prepared: TCPStatsFilter.Shared, into chain: inout FilterChainBuilder) {
            chain.addReadFilter(TCPStatsFilter(shared: prepared))
        }
    }
}
