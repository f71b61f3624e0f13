import Logging
import Relay

extension TCPProxyFilter {
    /// Registers `envoy.filters.network.tcp_proxy` (terminal).
    public struct Factory: NetworkFilterFactory {
        public static let name: FilterName = "envoy.filters.network.tcp_proxy"
        public static let typeURLs = ["type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"]
        public static let isTerminal = true

        /// Creates the factory.
        public init() {}

        /// Validates the config and resolves its clusters. As in Envoy, a cluster that does not
        /// exist is not a load error: its connections are closed with `NR` and counted as
        /// `downstream_cx_no_route`; Relay also logs one startup warning naming it.
        public func prepare(_ config: TCPProxyConfig, context: FactoryContext) throws -> TCPProxyFilter.Shared {
            guard !config.statPrefix.isEmpty else {
                throw FilterConfigError("stat_prefix must not be empty", field: "stat_prefix")
            }
            var choices: [((any UpstreamCluster)?, Int)] = []
            func resolve(_ name: String) -> (any UpstreamCluster)? {
                let cluster = context.clusterManager.cluster(named: name)
                if cluster == nil {
                    context.logger.warning(
                        "tcp_proxy '\(config.statPrefix)': cluster '\(name)' is not configured; its connections will be closed with NR (downstream_cx_no_route)"
                    )
                }
                return cluster
            }
            switch (config.cluster, config.weightedClusters) {
            case (let name?, nil):
                choices = [(resolve(name), 1)]
            case (nil, let weighted?):
                guard !weighted.clusters.isEmpty else {
                    throw FilterConfigError("weighted_clusters needs at least one cluster", field: "weighted_clusters")
                }
                for (index, choice) in weighted.clusters.enumerated() {
                    let cluster = resolve(choice.name)
                    guard choice.weight >= 1 else {
                        throw FilterConfigError("weight must be at least 1", field: "weighted_clusters.clusters[\(index)].weight")
                    }
                    choices.append((cluster, choice.weight))
                }
            case (nil, nil):
                throw FilterConfigError("one of cluster or weighted_clusters is required")
            case (_?, _?):
                throw FilterConfigError("only one of cluster or weighted_clusters may be set", field: "weighted_clusters")
            }
            let attempts = config.maxConnectAttempts ?? 1
            guard attempts >= 1 else {
                throw FilterConfigError("max_connect_attempts must be at least 1", field: "max_connect_attempts")
            }
            if let mode = config.upstreamConnectMode, mode != "IMMEDIATE" {
                throw FilterConfigError("upstream_connect_mode \(mode) is not supported; expected IMMEDIATE", field: "upstream_connect_mode")
            }
            if let duration = config.maxDownstreamConnectionDuration, duration.nanoseconds < 1_000_000 {
                throw FilterConfigError("max_downstream_connection_duration must be at least 1ms", field: "max_downstream_connection_duration")
            }
            if let bytes = config.maxEarlyDataBytes, bytes < 0 || bytes > Int(UInt32.max) {
                throw FilterConfigError("max_early_data_bytes must be between 0 and \(UInt32.max)", field: "max_early_data_bytes")
            }
            var loggers: [AccessLogger] = []
            for (index, entry) in (config.accessLog ?? []).enumerated() {
                do {
                    loggers.append(try AccessLogger(entry))
                } catch let error as FilterConfigError {
                    throw FilterConfigError(error.message, field: "access_log[\(index)].\(error.field ?? "typed_config")")
                }
            }
            let idle = config.idleTimeout ?? TCPProxyConfig.defaultIdleTimeout
            return TCPProxyFilter.Shared(
                clusters: choices,
                clusterManager: context.clusterManager,
                idleTimeout: idle.isZero ? nil : idle.timeAmount,
                maxConnectAttempts: attempts,
                maxDownstreamConnectionDuration: config.maxDownstreamConnectionDuration?.timeAmount,
                maxEarlyDataBytes: config.maxEarlyDataBytes,
                accessLoggers: loggers,
                stats: TCPProxyStats(stats: context.stats, statPrefix: config.statPrefix)
            )
        }

        public func makeFilters(_ prepared: TCPProxyFilter.Shared, into chain: inout FilterChainBuilder) {
            chain.addReadFilter(TCPProxyFilter(config: prepared))
        }
    }
}
