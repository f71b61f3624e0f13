/// The configuration of Istio's stats filter (`istio.stats`, proto `stats.PluginConfig`, type URL
/// `type.googleapis.com/stats.PluginConfig`) as far as TCP metrics use it.
///
/// Decoded from the protobuf JSON/YAML form (snake_case field names; lowerCamelCase is accepted
/// too, as protobuf JSON allows). Unknown fields — including the reserved `debug`,
/// `max_peer_cache_size`, `stat_prefix`, `field_separator` and `value_separator` — are errors,
/// as they are for Envoy. Every dimension expression is parsed here, so a config that loads
/// never fails at connection time.
///
/// **Reporting interval default.** Relay defaults `tcp_reporting_duration` to **15 s**, the
/// value the Istio task this project reproduces documents (and the Wasm-era and `stats` proto
/// default). Istio's native filter (1.18 and later) defaults to 5 s; set `tcp_reporting_duration:
/// 5s` for that behaviour. `0s` disables periodic reports: everything is reported at close.
public struct TCPStatsConfig: Hashable, Sendable {
    /// The proto's `reporter` field.
    public enum Reporter: String, Hashable, Sendable {
        /// `UNSPECIFIED` (0): pick the reporter from the listener direction.
        case unspecified = "UNSPECIFIED"
        /// `SERVER_GATEWAY` (1): the filter runs in a waypoint (`reporter="waypoint"`).
        case serverGateway = "SERVER_GATEWAY"
    }

    /// One `metrics[]` entry: label overrides for one metric (or all of them).
    public struct MetricConfig: Hashable, Sendable {
        /// Metric name without the `istio_` prefix (`tcp_sent_bytes_total`); empty means all.
        public let name: String
        /// Tags to add or override, tag name → parsed attribute expression.
        public let dimensions: [String: TCPStatsAttribute]
        /// Standard tags to remove.
        public let tagsToRemove: [String]
        /// Whether to drop the metric entirely.
        public let drop: Bool

        /// Creates an entry, parsing each dimension expression.
        ///
        /// - Throws: ``TCPStatsConfigError`` for a bad dimension name or expression, or a
        ///   non-empty `match`.
        public init(
            name: String = "",
            dimensions: [String: String] = [:],
            tagsToRemove: [String] = [],
            drop: Bool = false,
            match: String = ""
        ) throws(TCPStatsConfigError) {
            guard match.trimmingSpaces.isEmpty else { throw .matchNotSupported(metric: name, expression: match) }
            var parsed: [String: TCPStatsAttribute] = [:]
            for (tag, expression) in dimensions {
                guard Self.isLabelName(tag) else { throw .invalidDimensionName(tag) }
                parsed[tag] = try TCPStatsAttribute(parsing: expression, tag: tag)
            }
            self.name = name
            self.dimensions = parsed
            self.tagsToRemove = tagsToRemove
            self.drop = drop
        }

        private static func isLabelName(_ name: String) -> Bool {
            guard let first = name.first, first == "_" || ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
                return false
            }
            return name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        }
    }

    /// The default reporting interval: 15 s (see the type's documentation).
    public static let defaultTCPReportingDuration: Duration = .seconds(15)

    /// `tcp_reporting_duration`: how often open connections report. Zero disables periodic
    /// reports.
    public let tcpReportingDuration: Duration
    /// `reporter`.
    public let reporter: Reporter
    /// `disable_host_header_fallback`: accepted; it only affects HTTP, never TCP.
    public let disableHostHeaderFallback: Bool
    /// `metrics`: label overrides, in config order.
    public let metrics: [MetricConfig]
    /// The compiled `metrics`.
    let overrides: TCPStatsMetricOverrides

    /// The interval at which the filter should call ``TCPConnectionReporter/tick(totals:peerResolved:labels:)``,
    /// or `nil` when periodic reporting is off (`tcp_reporting_duration: 0s`).
    public var periodicReportingInterval: Duration? {
        tcpReportingDuration > .zero ? tcpReportingDuration : nil
    }

    /// Creates a config.
    ///
    /// - Throws: ``TCPStatsConfigError`` for a negative duration, an unknown metric name, or a
    ///   `tags_to_remove` entry that is not a standard tag.
    public init(
        tcpReportingDuration: Duration = TCPStatsConfig.defaultTCPReportingDuration,
        reporter: Reporter = .unspecified,
        disableHostHeaderFallback: Bool = false,
        metrics: [MetricConfig] = []
    ) throws(TCPStatsConfigError) {
        guard tcpReportingDuration >= .zero else {
            throw .invalidDuration(
                field: "tcp_reporting_duration",
                value: "\(tcpReportingDuration)",
                reason: "must not be negative"
            )
        }
        self.tcpReportingDuration = tcpReportingDuration
        self.reporter = reporter
        self.disableHostHeaderFallback = disableHostHeaderFallback
        self.metrics = metrics
        self.overrides = try TCPStatsMetricOverrides(metrics: metrics)
    }
}
