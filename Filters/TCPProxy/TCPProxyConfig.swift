import Relay

/// `envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, the subset Relay implements.
///
/// Fields Relay does not implement (`tunneling_config`, `metadata_match`, `hash_policy`,
/// `on_demand`, …) are not declared, so using them is a config error at their
/// `file:line:col` instead of being silently ignored.
public struct TCPProxyConfig: Decodable, Sendable, Hashable {
    /// A weighted cluster choice.
    public struct WeightedCluster: Decodable, Sendable, Hashable {
        /// The cluster's name.
        public var name: String
        /// Its weight (≥ 1).
        public var weight: Int

        public init(name: String, weight: Int) {
            self.name = name
            self.weight = weight
        }
    }

    /// `weighted_clusters`.
    public struct WeightedClusters: Decodable, Sendable, Hashable {
        /// The choices.
        public var clusters: [WeightedCluster]

        public init(clusters: [WeightedCluster]) {
            self.clusters = clusters
        }
    }

    /// Stats root: `tcp.<stat_prefix>.` (required).
    public var statPrefix: String
    /// The upstream cluster.
    public var cluster: String?
    /// Or: several clusters, picked by weight per connection.
    public var weightedClusters: WeightedClusters?
    /// No bytes either way for this long closes the connection. Default 1h; `0s` disables.
    public var idleTimeout: ProtobufDuration?
    /// Connect attempts before giving up (default 1).
    public var maxConnectAttempts: Int?
    /// The longest a downstream connection may live.
    public var maxDownstreamConnectionDuration: ProtobufDuration?
    /// Only `IMMEDIATE` (the default) is supported.
    public var upstreamConnectMode: String?
    /// Access logs written when a connection ends (file or stdout loggers).
    public var accessLog: [AccessLogConfiguration]?
    /// Keep reading while the upstream connects, holding up to this many bytes (more
    /// disables reading until it is ready). Unset: the `envoy.tcp_proxy.receive_before_connect`
    /// filter state decides, with the connection's buffer limit.
    public var maxEarlyDataBytes: Int?

    enum CodingKeys: String, CodingKey {
        case statPrefix = "stat_prefix"
        case cluster
        case weightedClusters = "weighted_clusters"
        case idleTimeout = "idle_timeout"
        case maxConnectAttempts = "max_connect_attempts"
        case maxDownstreamConnectionDuration = "max_downstream_connection_duration"
        case upstreamConnectMode = "upstream_connect_mode"
        case accessLog = "access_log"
        case maxEarlyDataBytes = "max_early_data_bytes"
        case onDemand = "on_demand"
        case metadataMatch = "metadata_match"
        case hashPolicy = "hash_policy"
        case tunnelingConfig = "tunneling_config"
        case accessLogFlushInterval = "access_log_flush_interval"
        case flushAccessLogOnConnected = "flush_access_log_on_connected"
        case accessLogOptions = "access_log_options"
        case backoffOptions = "backoff_options"
        case proxyProtocolTLVs = "proxy_protocol_tlvs"
    }

    /// `TcpProxy` fields Relay does not implement (refused at load, never ignored).
    static let unsupportedKeys: [CodingKeys] = [
        .onDemand, .metadataMatch, .hashPolicy, .tunnelingConfig, .accessLogFlushInterval,
        .flushAccessLogOnConnected, .accessLogOptions, .backoffOptions, .proxyProtocolTLVs,
    ]

    /// Decodes Envoy's `TcpProxy`; fields Relay lacks are refused as not supported.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.refuseUnsupported(Self.unsupportedKeys)
        statPrefix = try container.decode(String.self, forKey: .statPrefix)
        cluster = try container.decodeIfPresent(String.self, forKey: .cluster)
        weightedClusters = try container.decodeIfPresent(WeightedClusters.self, forKey: .weightedClusters)
        idleTimeout = try container.decodeIfPresent(ProtobufDuration.self, forKey: .idleTimeout)
        maxConnectAttempts = try container.decodeIfPresent(Int.self, forKey: .maxConnectAttempts)
        maxDownstreamConnectionDuration =
            try container.decodeIfPresent(ProtobufDuration.self, forKey: .maxDownstreamConnectionDuration)
        upstreamConnectMode = try container.decodeIfPresent(String.self, forKey: .upstreamConnectMode)
        accessLog = try container.decodeIfPresent([AccessLogConfiguration].self, forKey: .accessLog)
        maxEarlyDataBytes = try container.decodeIfPresent(Int.self, forKey: .maxEarlyDataBytes)
    }

    /// Creates a config.
    public init(
        statPrefix: String,
        cluster: String? = nil,
        weightedClusters: WeightedClusters? = nil,
        idleTimeout: ProtobufDuration? = nil,
        maxConnectAttempts: Int? = nil,
        maxDownstreamConnectionDuration: ProtobufDuration? = nil,
        maxEarlyDataBytes: Int? = nil
    ) {
        self.statPrefix = statPrefix
        self.cluster = cluster
        self.weightedClusters = weightedClusters
        self.idleTimeout = idleTimeout
        self.maxConnectAttempts = maxConnectAttempts
        self.maxDownstreamConnectionDuration = maxDownstreamConnectionDuration
        self.maxEarlyDataBytes = maxEarlyDataBytes
    }

    /// Envoy's default idle timeout.
    public static let defaultIdleTimeout = ProtobufDuration.seconds(3600)
}
