/// `envoy.config.cluster.v3.Cluster`: the L4 subset.
public struct ClusterConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.cluster.v3.Cluster`.
    public static let configTypeName = "envoy.config.cluster.v3.Cluster"

    /// The default `connect_timeout` (5s).
    public static let defaultConnectTimeout = ConfigDuration(seconds: 5)
    /// The default `dns_refresh_rate` (5s).
    public static let defaultDNSRefreshRate = ConfigDuration(seconds: 5)
    /// The default `cleanup_interval` (5s).
    public static let defaultCleanupInterval = ConfigDuration(seconds: 5)
    /// The default `per_connection_buffer_limit_bytes` (1 MiB).
    public static let defaultBufferLimitBytes: UInt32 = 1_048_576

    /// `Cluster.DiscoveryType`.
    public enum DiscoveryType: String, ConfigEnum {
        case `static` = "STATIC"
        case strictDNS = "STRICT_DNS"
        case logicalDNS = "LOGICAL_DNS"
        case eds = "EDS"
        case originalDst = "ORIGINAL_DST"
    }

    /// `Cluster.LbPolicy`.
    public enum LbPolicy: String, ConfigEnum {
        case roundRobin = "ROUND_ROBIN"
        case leastRequest = "LEAST_REQUEST"
        case ringHash = "RING_HASH"
        case random = "RANDOM"
        case maglev = "MAGLEV"
        case clusterProvided = "CLUSTER_PROVIDED"
        case loadBalancingPolicyConfig = "LOAD_BALANCING_POLICY_CONFIG"

        /// Protobuf numbers (4 is reserved).
        public var protoNumber: Int {
            switch self {
            case .roundRobin: 0
            case .leastRequest: 1
            case .ringHash: 2
            case .random: 3
            case .maglev: 5
            case .clusterProvided: 6
            case .loadBalancingPolicyConfig: 7
            }
        }
    }

    /// `Cluster.DnsLookupFamily`.
    public enum DNSLookupFamily: String, ConfigEnum {
        case auto = "AUTO"
        case v4Only = "V4_ONLY"
        case v6Only = "V6_ONLY"
        case v4Preferred = "V4_PREFERRED"
        case all = "ALL"
    }

    /// `name` (non-empty).
    public var name: String
    /// `alt_stat_name` (empty = use `name` in stats).
    public var altStatName: String
    /// `type` (default STATIC).
    public var type: DiscoveryType
    /// `connect_timeout` (default 5s, > 0).
    public var connectTimeout: ConfigDuration
    /// `per_connection_buffer_limit_bytes` (default 1 MiB).
    public var perConnectionBufferLimitBytes: UInt32
    /// `lb_policy` (default ROUND_ROBIN).
    public var lbPolicy: LbPolicy
    /// `load_assignment`.
    public var loadAssignment: LoadAssignment?
    /// `dns_lookup_family` (default AUTO).
    public var dnsLookupFamily: DNSLookupFamily
    /// `dns_refresh_rate` (default 5s).
    public var dnsRefreshRate: ConfigDuration
    /// `respect_dns_ttl`.
    public var respectDNSTTL: Bool
    /// `transport_socket` (nil = plaintext).
    public var transportSocket: NamedTypedConfig?
    /// `transport_socket_matches`, kept as nodes.
    public var transportSocketMatches: [ConfigNode]
    /// `filters`: upstream network filters.
    public var filters: [NamedTypedConfig]
    /// `circuit_breakers`.
    public var circuitBreakers: CircuitBreakers?
    /// `health_checks`.
    public var healthChecks: [HealthCheck]
    /// `metadata`.
    public var metadata: ConfigMetadata?
    /// `typed_extension_protocol_options`, kept as a node.
    public var typedExtensionProtocolOptions: ConfigNode?
    /// `upstream_connection_options`.
    public var upstreamConnectionOptions: UpstreamConnectionOptionsConfig?
    /// `common_lb_config`, kept as a node.
    public var commonLbConfig: ConfigNode?
    /// `outlier_detection`.
    public var outlierDetection: OutlierDetection?
    /// `close_connections_on_host_health_failure`.
    public var closeConnectionsOnHostHealthFailure: Bool
    /// `ignore_health_on_host_removal`.
    public var ignoreHealthOnHostRemoval: Bool
    /// `cleanup_interval` (default 5s).
    public var cleanupInterval: ConfigDuration
    /// Where the cluster starts.
    public var mark: Mark
    /// Where the name is written.
    public var nameMark: Mark
    /// Where `type` is written (the cluster's mark when absent).
    public var typeMark: Mark
    /// Where `lb_policy` is written (the cluster's mark when absent).
    public var lbPolicyMark: Mark

    /// The name used in stats: `alt_stat_name` if set, else `name`.
    public var statName: String { altStatName.isEmpty ? name : altStatName }

    /// All endpoints of ``loadAssignment`` (every locality and priority), in order.
    public var allEndpoints: [LbEndpoint] {
        loadAssignment?.endpoints.flatMap(\.lbEndpoints) ?? []
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case altStatName = "alt_stat_name"
        case type
        case connectTimeout = "connect_timeout"
        case perConnectionBufferLimitBytes = "per_connection_buffer_limit_bytes"
        case lbPolicy = "lb_policy"
        case loadAssignment = "load_assignment"
        case dnsLookupFamily = "dns_lookup_family"
        case dnsRefreshRate = "dns_refresh_rate"
        case respectDNSTTL = "respect_dns_ttl"
        case transportSocket = "transport_socket"
        case transportSocketMatches = "transport_socket_matches"
        case filters
        case circuitBreakers = "circuit_breakers"
        case healthChecks = "health_checks"
        case metadata
        case typedExtensionProtocolOptions = "typed_extension_protocol_options"
        case upstreamConnectionOptions = "upstream_connection_options"
        case commonLbConfig = "common_lb_config"
        case outlierDetection = "outlier_detection"
        case closeConnectionsOnHostHealthFailure = "close_connections_on_host_health_failure"
        case ignoreHealthOnHostRemoval = "ignore_health_on_host_removal"
        case cleanupInterval = "cleanup_interval"
        case clusterType = "cluster_type"
        case loadBalancingPolicy = "load_balancing_policy"
        case ringHashLbConfig = "ring_hash_lb_config"
        case maglevLbConfig = "maglev_lb_config"
        case originalDstLbConfig = "original_dst_lb_config"
        case lbSubsetConfig = "lb_subset_config"
        case upstreamBindConfig = "upstream_bind_config"
        case edsClusterConfig = "eds_cluster_config"
    }

    /// Cluster fields Envoy defines that would change where bytes go; refused.
    private static let unsupportedKeys: [CodingKeys] = [
        .clusterType, .loadBalancingPolicy, .ringHashLbConfig, .maglevLbConfig, .originalDstLbConfig,
        .lbSubsetConfig, .upstreamBindConfig, .edsClusterConfig,
    ]

    /// Decodes from YAML and applies the validation rules: non-empty name, positive
    /// connect timeout, IP-literal endpoints for STATIC, exactly one endpoint for LOGICAL_DNS.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        let name = try container.decodeIfPresent(Marked<String>.self, forKey: .name)
        guard let name, !name.value.isEmpty else {
            throw ConfigError("cluster name must not be empty", at: name?.mark ?? mark)
        }
        self.name = name.value
        nameMark = name.mark
        altStatName = try container.decodeIfPresent(String.self, forKey: .altStatName) ?? ""
        for key in Self.unsupportedKeys {
            if let field = try container.decodeIfPresent(Marked<ConfigNode>.self, forKey: key) {
                throw ConfigError("'\(key.rawValue)' is not supported by Relay", at: field.mark)
            }
        }
        let type = try container.decodeIfPresent(Marked<DiscoveryType>.self, forKey: .type)
        self.type = type?.value ?? .static
        typeMark = type?.mark ?? mark
        let timeout = try container.decodeIfPresent(Marked<ConfigDuration>.self, forKey: .connectTimeout)
        connectTimeout = timeout?.value ?? Self.defaultConnectTimeout
        if let timeout, !timeout.value.isPositive {
            throw ConfigError(
                "connect_timeout of cluster '\(name.value)' must be greater than 0s, found '\(timeout.value)'",
                at: timeout.mark
            )
        }
        perConnectionBufferLimitBytes =
            try container.decodeIfPresent(UInt32.self, forKey: .perConnectionBufferLimitBytes)
            ?? Self.defaultBufferLimitBytes
        let lbPolicy = try container.decodeIfPresent(Marked<LbPolicy>.self, forKey: .lbPolicy)
        self.lbPolicy = lbPolicy?.value ?? .roundRobin
        lbPolicyMark = lbPolicy?.mark ?? mark
        loadAssignment = try container.decodeIfPresent(LoadAssignment.self, forKey: .loadAssignment)
        dnsLookupFamily = try container.decodeIfPresent(DNSLookupFamily.self, forKey: .dnsLookupFamily) ?? .auto
        dnsRefreshRate =
            try container.decodeIfPresent(ConfigDuration.self, forKey: .dnsRefreshRate) ?? Self.defaultDNSRefreshRate
        respectDNSTTL = try container.decodeIfPresent(Bool.self, forKey: .respectDNSTTL) ?? false
        transportSocket = try container.decodeIfPresent(NamedTypedConfig.self, forKey: .transportSocket)
        transportSocketMatches =
            try container.decodeIfPresent([ConfigNode].self, forKey: .transportSocketMatches) ?? []
        filters = try container.decodeIfPresent([NamedTypedConfig].self, forKey: .filters) ?? []
        circuitBreakers = try container.decodeIfPresent(CircuitBreakers.self, forKey: .circuitBreakers)
        healthChecks = try container.decodeIfPresent([HealthCheck].self, forKey: .healthChecks) ?? []
        metadata = try container.decodeIfPresent(ConfigMetadata.self, forKey: .metadata)
        typedExtensionProtocolOptions =
            try container.decodeIfPresent(ConfigNode.self, forKey: .typedExtensionProtocolOptions)
        upstreamConnectionOptions =
            try container.decodeIfPresent(UpstreamConnectionOptionsConfig.self, forKey: .upstreamConnectionOptions)
        commonLbConfig = try container.decodeIfPresent(ConfigNode.self, forKey: .commonLbConfig)
        outlierDetection = try container.decodeIfPresent(OutlierDetection.self, forKey: .outlierDetection)
        closeConnectionsOnHostHealthFailure =
            try container.decodeIfPresent(Bool.self, forKey: .closeConnectionsOnHostHealthFailure) ?? false
        ignoreHealthOnHostRemoval =
            try container.decodeIfPresent(Bool.self, forKey: .ignoreHealthOnHostRemoval) ?? false
        cleanupInterval =
            try container.decodeIfPresent(ConfigDuration.self, forKey: .cleanupInterval) ?? Self.defaultCleanupInterval
        try validateEndpoints()
    }

    private func validateEndpoints() throws {
        switch type {
        case .static:
            for endpoint in allEndpoints {
                guard let socket = endpoint.endpoint?.address?.socketAddress else { continue }
                if !socket.isIPLiteral {
                    throw ConfigError(
                        "STATIC cluster '\(name)' needs IP address endpoints, found '\(socket.address)' "
                            + "(use type STRICT_DNS or LOGICAL_DNS for host names)",
                        at: socket.addressMark
                    )
                }
            }
        case .logicalDNS:
            let localities = loadAssignment?.endpoints ?? []
            if localities.count != 1 || localities[0].lbEndpoints.count != 1 {
                throw ConfigError(
                    "LOGICAL_DNS cluster '\(name)' must have a single locality_lb_endpoint and a single lb_endpoint",
                    at: loadAssignment?.mark ?? mark
                )
            }
        case .strictDNS, .eds, .originalDst:
            break
        }
    }
}
