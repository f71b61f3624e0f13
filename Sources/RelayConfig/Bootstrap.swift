/// `envoy.config.bootstrap.v3.Bootstrap`: the static L4 subset (admin, node,
/// static_resources, stats_flush_interval, layered_runtime).
///
/// Load one with ``BootstrapLoader``.
public struct Bootstrap: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.bootstrap.v3.Bootstrap`.
    public static let configTypeName = "envoy.config.bootstrap.v3.Bootstrap"

    /// The default `stats_flush_interval` (5s).
    public static let defaultStatsFlushInterval = ConfigDuration(seconds: 5)

    /// `admin`; nil = no admin listener.
    public var admin: Admin?
    /// `node`.
    public var node: Node?
    /// `static_resources`.
    public var staticResources: StaticResources
    /// `stats_flush_interval` (default 5s; 1ms…5min).
    public var statsFlushInterval: ConfigDuration
    /// `layered_runtime`, kept as a node.
    public var layeredRuntime: ConfigNode?
    /// `stats_config` (Envoy's defaults when absent).
    public var statsConfig: StatsConfig
    /// Where the document starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case admin, node
        case staticResources = "static_resources"
        case statsFlushInterval = "stats_flush_interval"
        case layeredRuntime = "layered_runtime"
        case statsConfig = "stats_config"
        case dynamicResources = "dynamic_resources"
        case clusterManager = "cluster_manager"
        case overloadManager = "overload_manager"
        case hdsConfig = "hds_config"
        case bootstrapExtensions = "bootstrap_extensions"
        case defaultSocketInterface = "default_socket_interface"
        case statsSinks = "stats_sinks"
        case tracing, watchdog, watchdogs
        case enableDispatcherStats = "enable_dispatcher_stats"
    }

    /// Bootstrap fields Envoy defines that would change what Relay serves or admits; refused.
    private static let unsupportedKeys: [CodingKeys] = [
        .dynamicResources, .clusterManager, .overloadManager, .hdsConfig, .bootstrapExtensions, .defaultSocketInterface,
    ]

    /// Bootstrap fields that cannot change where bytes go: accepted, and named in ``ignoredFields``.
    private static let ignoredKeys: [CodingKeys] = [.statsSinks, .tracing, .watchdog, .watchdogs, .enableDispatcherStats]

    /// Fields present in the file that Relay accepts without using (for one startup warning each).
    public var ignoredFields: [String] = []

    /// Decodes from YAML; also rejects duplicate cluster names and duplicate non-empty
    /// listener names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        admin = try container.decodeIfPresent(Admin.self, forKey: .admin)
        node = try container.decodeIfPresent(Node.self, forKey: .node)
        staticResources =
            try container.decodeIfPresent(StaticResources.self, forKey: .staticResources)
            ?? StaticResources()
        let flush = try container.decodeIfPresent(Marked<ConfigDuration>.self, forKey: .statsFlushInterval)
        if let flush, flush.value < .milliseconds(1) || flush.value > ConfigDuration(seconds: 300) {
            throw ConfigError(
                "stats_flush_interval must be between 0.001s and 300s, found '\(flush.value)'",
                at: flush.mark
            )
        }
        statsFlushInterval = flush?.value ?? Self.defaultStatsFlushInterval
        layeredRuntime = try container.decodeIfPresent(ConfigNode.self, forKey: .layeredRuntime)
        statsConfig = try container.decodeIfPresent(StatsConfig.self, forKey: .statsConfig) ?? StatsConfig()
        for key in Self.unsupportedKeys {
            if let field = try container.decodeIfPresent(Marked<ConfigNode>.self, forKey: key) {
                let hint = key == .dynamicResources ? "; xDS is not implemented yet, use static_resources" : ""
                throw ConfigError("'\(key.rawValue)' is not supported by Relay\(hint)", at: field.mark)
            }
        }
        for key in Self.ignoredKeys where try container.decodeIfPresent(ConfigNode.self, forKey: key) != nil {
            ignoredFields.append(key.rawValue)
        }
        try staticResources.checkUniqueNames()
    }
}

extension Bootstrap {
    /// `envoy.config.bootstrap.v3.Admin`.
    public struct Admin: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.bootstrap.v3.Admin`.
        public static let configTypeName = "envoy.config.bootstrap.v3.Admin"

        /// `address`; nil = no admin listener.
        public var address: AddressConfig?
        /// `access_log`.
        public var accessLog: [AccessLogConfig]
        /// Deprecated `access_log_path` (empty if unset).
        public var accessLogPath: String
        /// `profile_path`.
        public var profilePath: String
        /// `socket_options`, kept as a node.
        public var socketOptions: ConfigNode?
        /// `ignore_global_conn_limit`.
        public var ignoreGlobalConnLimit: Bool
        /// `allow_paths`, kept as a node.
        public var allowPaths: ConfigNode?
        /// Where the admin mapping starts.
        public var mark: Mark

        private enum CodingKeys: String, CodingKey {
            case address
            case accessLog = "access_log"
            case accessLogPath = "access_log_path"
            case profilePath = "profile_path"
            case socketOptions = "socket_options"
            case ignoreGlobalConnLimit = "ignore_global_conn_limit"
            case allowPaths = "allow_paths"
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mark = decoder.configMark ?? .file("<unknown>")
            address = try container.decodeIfPresent(AddressConfig.self, forKey: .address)
            accessLog = try container.decodeIfPresent([AccessLogConfig].self, forKey: .accessLog) ?? []
            accessLogPath = try container.decodeIfPresent(String.self, forKey: .accessLogPath) ?? ""
            profilePath = try container.decodeIfPresent(String.self, forKey: .profilePath) ?? ""
            socketOptions = try container.decodeIfPresent(ConfigNode.self, forKey: .socketOptions)
            ignoreGlobalConnLimit = try container.decodeIfPresent(Bool.self, forKey: .ignoreGlobalConnLimit) ?? false
            allowPaths = try container.decodeIfPresent(ConfigNode.self, forKey: .allowPaths)
        }
    }

    /// `envoy.config.core.v3.Node`: this proxy's identity.
    public struct Node: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.core.v3.Node`.
        public static let configTypeName = "envoy.config.core.v3.Node"

        /// `id`.
        public var id: String
        /// `cluster`.
        public var cluster: String
        /// `metadata` (a free-form struct).
        public var metadata: [String: MetadataValue]
        /// `locality`.
        public var locality: Locality?
        /// `user_agent_name`.
        public var userAgentName: String

        private enum CodingKeys: String, CodingKey {
            case id, cluster, metadata, locality
            case userAgentName = "user_agent_name"
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
            cluster = try container.decodeIfPresent(String.self, forKey: .cluster) ?? ""
            metadata = try container.decodeIfPresent([String: MetadataValue].self, forKey: .metadata) ?? [:]
            locality = try container.decodeIfPresent(Locality.self, forKey: .locality)
            userAgentName = try container.decodeIfPresent(String.self, forKey: .userAgentName) ?? ""
        }
    }

    /// `envoy.config.bootstrap.v3.Bootstrap.StaticResources`.
    public struct StaticResources: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.bootstrap.v3.Bootstrap.StaticResources`.
        public static let configTypeName = "envoy.config.bootstrap.v3.Bootstrap.StaticResources"

        /// `listeners`.
        public var listeners: [ListenerConfig]
        /// `clusters`.
        public var clusters: [ClusterConfig]
        /// `secrets` (`envoy.extensions.transport_sockets.tls.v3.Secret`): TLS certificates and
        /// validation contexts that TLS contexts reference by name.
        public var secrets: [SecretConfig]

        /// Empty resources.
        public init() {
            listeners = []
            clusters = []
            secrets = []
        }

        private enum CodingKeys: String, CodingKey {
            case listeners, clusters, secrets
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            listeners = try container.decodeIfPresent([ListenerConfig].self, forKey: .listeners) ?? []
            clusters = try container.decodeIfPresent([ClusterConfig].self, forKey: .clusters) ?? []
            secrets = try container.decodeIfPresent([SecretConfig].self, forKey: .secrets) ?? []
        }

        /// The cluster named `name`.
        public func cluster(named name: String) -> ClusterConfig? {
            clusters.first { $0.name == name }
        }

        func checkUniqueNames() throws {
            var clusterMarks: [String: Mark] = [:]
            for cluster in clusters {
                if let first = clusterMarks[cluster.name] {
                    throw ConfigError(
                        "duplicate cluster '\(cluster.name)' (first defined at \(first))",
                        at: cluster.nameMark
                    )
                }
                clusterMarks[cluster.name] = cluster.nameMark
            }
            var listenerMarks: [String: Mark] = [:]
            for listener in listeners where !listener.name.isEmpty {
                if let first = listenerMarks[listener.name] {
                    throw ConfigError(
                        "duplicate listener '\(listener.name)' (first defined at \(first))",
                        at: listener.mark
                    )
                }
                listenerMarks[listener.name] = listener.mark
            }
        }
    }
}
