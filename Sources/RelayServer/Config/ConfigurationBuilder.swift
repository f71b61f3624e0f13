import Logging
import NIOCore
import Relay
import RelayConfig

extension ServerConfiguration {
    /// Loads a bootstrap file (plus optional `--config-yaml` text merged on top), resolves
    /// every `typed_config` through `registry`, and prepares listeners and clusters.
    ///
    /// `nodeOverrides` are Envoy's `--service-node/-cluster/-zone`, applied over `node`.
    ///
    /// - Throws: `RelayConfig/ConfigError` naming `file:line:col` and what was expected.
    public static func load(
        path: String?,
        configYAML: String? = nil,
        nodeOverrides: NodeOverrides = NodeOverrides(),
        registry: FilterRegistry,
        logger: Logger = Logger(label: "relay")
    ) throws -> ServerConfiguration {
        let loader = BootstrapLoader()
        let node = try loader.mergedNode(path: path, configYAML: configYAML)
        return try SensitiveFields.scrubbingErrors(in: node) {
            let bootstrap = try loader.decoder.decode(Bootstrap.self, from: node)
            var builder = try ConfigurationBuilder(bootstrap: bootstrap, node: node, registry: registry, logger: logger)
            builder.nodeOverrides = nodeOverrides
            return try builder.build()
        }
    }

    /// Loads a bootstrap from YAML text.
    public static func load(
        yaml: String,
        fileName: String = BootstrapLoader.inlineFileName,
        registry: FilterRegistry,
        logger: Logger = Logger(label: "relay")
    ) throws -> ServerConfiguration {
        let loader = BootstrapLoader()
        let node = try ConfigNode.parse(yaml: yaml, fileName: fileName)
        return try SensitiveFields.scrubbingErrors(in: node) {
            let bootstrap = try loader.decoder.decode(Bootstrap.self, from: node)
            return try ConfigurationBuilder(bootstrap: bootstrap, node: node, registry: registry, logger: logger).build()
        }
    }
}

/// Turns a decoded `Bootstrap` into runtime objects: every extension resolved through the
/// registry (by `@type`, else by name), prepared once, with errors at their `file:line:col`.
struct ConfigurationBuilder {
    let bootstrap: Bootstrap
    let node: ConfigNode
    let registry: FilterRegistry
    let logger: Logger
    let stats: StatsStore
    let secrets: StaticSecrets
    let decoder = ConfigDecoder()
    let clusterManagerReference = DeferredClusterManager()
    var nodeOverrides = NodeOverrides()

    init(bootstrap: Bootstrap, node: ConfigNode, registry: FilterRegistry, logger: Logger) throws {
        self.bootstrap = bootstrap
        self.node = node
        self.registry = registry
        self.logger = logger
        self.stats = try StatsStore(bootstrap.statsConfig)
        self.secrets = try StaticSecrets(bootstrap.staticResources.secrets)
    }

    func build() throws -> ServerConfiguration {
        try UnsupportedFields(logger: logger).check(bootstrap)
        let localInfo = makeLocalInfo()
        var clusters: [RuntimeCluster] = []
        var seen: Set<String> = []
        for cluster in bootstrap.staticResources.clusters {
            guard seen.insert(cluster.name).inserted else {
                throw ConfigError("duplicate cluster name '\(cluster.name)'; cluster names must be unique", at: cluster.nameMark)
            }
            clusters.append(try makeCluster(cluster, localInfo: localInfo))
        }
        let manager = RuntimeClusterManager(clusters: clusters)
        clusterManagerReference.set(manager)
        var listeners: [ListenerRuntime] = []
        var listenerNames: Set<String> = []
        for (index, listener) in bootstrap.staticResources.listeners.enumerated() {
            let runtime = try makeListener(listener, index: index, localInfo: localInfo)
            guard listenerNames.insert(runtime.name).inserted else {
                throw ConfigError("duplicate listener name '\(runtime.name)'", at: listener.mark)
            }
            listeners.append(runtime)
        }
        var adminAddress: SocketAddress?
        if let admin = bootstrap.admin, let address = admin.address {
            let bound = try socketAddress(address, what: "admin address")
            if !Self.isLoopback(bound) {
                // Honoured, as Envoy does, but the admin interface has no authentication.
                logger.warning(
                    "admin.address \(bound.ipAddress ?? "?"):\(bound.port ?? 0) is not a loopback address: the admin interface has no authentication, so anyone who can reach it can read the configuration and stats and drain or stop the server",
                    metadata: ["at": "\(address.mark)"]
                )
            }
            adminAddress = bound
        }
        return ServerConfiguration(
            listeners: listeners,
            clusterManager: manager,
            adminAddress: adminAddress,
            stats: stats,
            localInfo: localInfo,
            configDumpJSON: ConfigDump.render(bootstrap: node)
        )
    }

    // MARK: - Node

    private func makeLocalInfo() -> LocalInfo {
        var info = LocalInfo()
        if let node = bootstrap.node {
            info = LocalInfo(
                nodeID: node.id,
                clusterName: node.cluster,
                metadata: node.metadata,
                region: node.locality?.region ?? "",
                zone: node.locality?.zone ?? "",
                subZone: node.locality?.subZone ?? ""
            )
        }
        if let id = nodeOverrides.id, !id.isEmpty { info.nodeID = id }
        if let cluster = nodeOverrides.cluster, !cluster.isEmpty { info.clusterName = cluster }
        if let zone = nodeOverrides.zone, !zone.isEmpty { info.zone = zone }
        return info
    }

    // MARK: - Addresses

    /// Whether `address` is on the loopback interface (127.0.0.0/8, ::1, or IPv4-mapped 127/8).
    static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.lowercased().hasPrefix("::ffff:127.")
    }

    private func socketAddress(_ address: AddressConfig, what: String) throws -> SocketAddress {
        guard let socket = address.socketAddress else {
            throw ConfigError("\(what): only socket_address is supported (pipe addresses are not)", at: address.mark)
        }
        guard socket.isIPLiteral else {
            throw ConfigError(
                "\(what) must be an IP address, found '\(socket.address)' (names are only resolved for STRICT_DNS/LOGICAL_DNS cluster endpoints)",
                at: socket.mark
            )
        }
        do {
            return try SocketAddress(ipAddress: socket.address, port: socket.portValue)
        } catch {
            throw ConfigError("\(what): invalid IP address '\(socket.address)'", at: socket.mark)
        }
    }

    // MARK: - Extensions

    private func context(scope: StatsScope, listener: ListenerConfig? = nil, cluster: String? = nil) -> FactoryContext {
        let direction: TrafficDirection
        switch listener?.trafficDirection {
        case .inbound?: direction = .inbound
        case .outbound?: direction = .outbound
        default: direction = .unspecified
        }
        return FactoryContext(
            stats: stats,
            scope: scope,
            clusterManager: clusterManagerReference,
            localInfo: makeLocalInfo(),
            listenerName: listener?.displayName,
            trafficDirection: direction,
            clusterName: cluster,
            logger: logger
        )
    }

    /// Resolves and prepares one extension.
    private func prepare(
        _ named: String,
        typed: TypedConfig?,
        mark: Mark,
        category: FilterRegistry.Category,
        context: FactoryContext
    ) throws -> (FilterRegistry.Entry, PreparedExtension) {
        guard let entry = registry.lookup(category, name: named, typeURL: typed?.typeURL) else {
            if let missing = EnvoyExtensionCatalog.unsupported(name: named, typeURL: typed?.typeURL) {
                throw ConfigError("'\(missing)' is not supported by Relay", at: typed?.typeURLMark ?? mark)
            }
            let entries = registry.entries(category)
            if let typed {
                let known = entries.flatMap(\.typeURLs).sorted()
                let near = EnvoyExtensionCatalog.closest(to: typed.typeURL, in: known)
                throw ConfigError(
                    "unknown \(category.rawValue) @type '\(typed.typeURL)'"
                        + (near.isEmpty ? "" : "; did you mean '\(near.joined(separator: "' or '"))'?")
                        + " (registered type URLs: \(known.isEmpty ? "none" : known.joined(separator: ", ")))",
                    at: typed.typeURLMark
                )
            }
            let known = entries.map(\.name.rawValue).sorted()
            let near = EnvoyExtensionCatalog.closest(to: named, in: known)
            throw ConfigError(
                "unknown \(category.rawValue) '\(named)'"
                    + (near.isEmpty ? "" : "; did you mean '\(near.joined(separator: "' or '"))'?")
                    + " (registered: \(known.isEmpty ? "none" : known.joined(separator: ", ")))",
                at: mark
            )
        }
        let body = typed?.value ?? ConfigNode.emptyMapping(at: mark)
        let message = entry.typeURLs.first.map { String($0.split(separator: "/").last ?? Substring($0)) }
        let decoding = NodeConfigDecoding(node: body, decoder: decoder, messageName: message)
        do {
            return (entry, try registry.prepare(entry, config: decoding, context: context))
        } catch {
            throw ConfigErrorMapping.map(error, in: body, fallback: typed?.mark ?? mark)
        }
    }

    // MARK: - Clusters

    private func makeCluster(_ config: ClusterConfig, localInfo: LocalInfo) throws -> RuntimeCluster {
        try UnsupportedFields(logger: logger).check(config)
        let scope = stats.root.scope("cluster").scope(config.statName)
        guard config.connectTimeout.isPositive else {
            throw ConfigError("connect_timeout must be greater than 0s", at: config.mark)
        }
        let thresholds = config.circuitBreakers?.thresholds(for: .default)
        let info = ClusterInfo(
            name: config.name,
            observabilityName: config.statName,
            connectTimeout: .nanoseconds(config.connectTimeout.nanoseconds),
            perConnectionBufferLimit: Int(config.perConnectionBufferLimitBytes),
            metadata: (config.metadata?.filterMetadata ?? [:]),
            maxConnections: Int(thresholds?.maxConnections ?? 1024),
            stats: ClusterStats(scope: scope)
        )
        let policy: LoadBalancer.Policy
        switch config.lbPolicy {
        case .roundRobin: policy = .roundRobin
        case .random: policy = .random
        case .leastRequest: policy = .leastRequest
        default:
            throw ConfigError(
                "'lb_policy: \(config.lbPolicy.rawValue)' is not supported by Relay; expected ROUND_ROBIN, LEAST_REQUEST or RANDOM",
                at: config.lbPolicyMark
            )
        }
        var hosts: [HostDescription] = []
        let discovery: RuntimeCluster.Discovery
        switch config.type {
        case .static:
            for endpoint in config.allEndpoints {
                guard let address = endpoint.endpoint?.address else { continue }
                hosts.append(
                    HostDescription(
                        address: try socketAddress(address, what: "STATIC cluster endpoint"),
                        hostname: endpoint.endpoint?.hostname ?? "",
                        clusterName: config.name,
                        metadata: (endpoint.metadata?.filterMetadata ?? [:]),
                        weight: Int(endpoint.loadBalancingWeight ?? 1)
                    )
                )
            }
            discovery = .staticHosts
        case .strictDNS, .logicalDNS:
            let endpoints = config.allEndpoints.compactMap { endpoint -> RuntimeCluster.DNSEndpoint? in
                guard let socket = endpoint.endpoint?.address?.socketAddress else { return nil }
                return RuntimeCluster.DNSEndpoint(
                    hostname: socket.address,
                    port: socket.portValue,
                    metadata: (endpoint.metadata?.filterMetadata ?? [:]),
                    weight: Int(endpoint.loadBalancingWeight ?? 1),
                    ipv4Only: config.dnsLookupFamily == .v4Only
                )
            }
            discovery = .dns(
                endpoints: endpoints,
                refresh: .nanoseconds(config.dnsRefreshRate.nanoseconds),
                logical: config.type == .logicalDNS
            )
        default:
            throw ConfigError(
                "'type: \(config.type.rawValue)' is not supported by Relay; expected STATIC, STRICT_DNS or LOGICAL_DNS",
                at: config.typeMark
            )
        }
        let clusterContext = context(scope: scope, cluster: config.name)
        var transport: (any TransportSocketFactory)?
        if let socket = config.transportSocket {
            transport = try transportSocketFactory(socket, category: .upstreamTransportSocket, context: clusterContext)
        }
        var filters: [PreparedNetworkFilter] = []
        for filter in config.filters {
            let (_, prepared) = try prepare(
                filter.name,
                typed: filter.typedConfig,
                mark: filter.nameMark,
                category: .upstreamNetworkFilter,
                context: clusterContext
            )
            if case .networkFilter(let network) = prepared { filters.append(network) }
        }
        if !config.healthChecks.isEmpty {
            logger.warning(
                "cluster health_checks are accepted but not run; every host is treated as healthy",
                metadata: ["cluster": "\(config.name)"]
            )
        }
        return RuntimeCluster(
            info: info,
            hosts: hosts,
            loadBalancer: LoadBalancer(policy: policy),
            discovery: discovery,
            transportSocketFactory: transport,
            upstreamFilters: filters,
            logger: logger,
            socketOptions: SocketOptionPlan.cluster(config),
            outlierDetection: config.outlierDetection
        )
    }

    private func transportSocketFactory(
        _ socket: NamedTypedConfig,
        category: FilterRegistry.Category,
        context: FactoryContext
    ) throws -> (any TransportSocketFactory)? {
        if socket.name == "envoy.transport_sockets.raw_buffer" || socket.typedConfig?.typeURL == RawBufferTransport.typeURL {
            return nil
        }
        let typed = try socket.typedConfig.map { try secrets.resolve($0, decoder: decoder, logger: logger) }
        let (_, prepared) = try prepare(socket.name, typed: typed, mark: socket.nameMark, category: category, context: context)
        if case .transportSocket(let factory) = prepared { return factory }
        return nil
    }

    // MARK: - Listeners

    private func makeListener(_ config: ListenerConfig, index: Int, localInfo: LocalInfo) throws -> ListenerRuntime {
        try UnsupportedFields(logger: logger).check(config)
        let address = try socketAddress(config.address, what: "listener address")
        let statPrefix: String
        let scope: StatsScope
        if config.statPrefix.isEmpty {
            // Envoy's `<ip>_<port>`, IPv6 in brackets (`[__1]_15001`): the address with ':' as '_'.
            let ip = address.ipAddress ?? "unknown"
            let host = ip.contains(":") ? "[\(ip)]" : ip
            statPrefix = String("\(host)_\(address.port ?? 0)".map { $0 == ":" ? "_" : $0 })
            scope = stats.root.scope("listener").scope(statPrefix)
        } else {
            statPrefix = config.statPrefix
            scope = stats.root.scope("listener").scope(statPrefix)
        }
        let name = config.name.isEmpty ? "listener_\(index)_\(statPrefix)" : config.name
        let listenerContext = context(scope: scope, listener: config)
        if config.filterChains.isEmpty && config.defaultFilterChain == nil {
            throw ConfigError("listener '\(name)': no filter chains specified", at: config.mark)
        }
        var listenerFilters: [PreparedListenerFilter] = []
        for filter in config.listenerFilters {
            let (_, prepared) = try prepare(
                filter.name,
                typed: filter.typedConfig,
                mark: filter.mark,
                category: .listenerFilter,
                context: listenerContext
            )
            if case .listenerFilter(let listenerFilter) = prepared { listenerFilters.append(listenerFilter) }
        }
        var chains: [FilterChainRuntime] = []
        var criteria: [FilterChainMatchCriteria] = []
        var unifiedMatcher: UnifiedFilterChainMatcher?
        if let matcherConfig = config.filterChainMatcher {
            unifiedMatcher = try makeUnifiedMatcher(matcherConfig, chains: config.filterChains, listener: name)
        }
        for (chainIndex, chain) in config.filterChains.enumerated() {
            // With a filter_chain_matcher, each chain's filter_chain_match is ignored (as in Envoy).
            if unifiedMatcher != nil {
                chains.append(try makeChain(chain, index: chainIndex, context: listenerContext))
                continue
            }
            let match = try FilterChainCriteria.make(chain.filterChainMatch, mark: chain.mark)
            if let existing = criteria.firstIndex(of: match) {
                let other = config.filterChains[existing]
                throw ConfigError(
                    "filter chain '\(chain.name.isEmpty ? "#\(chainIndex)" : chain.name)' has the same matching rules defined as '\(other.name.isEmpty ? "#\(existing)" : other.name)'",
                    at: chain.mark
                )
            }
            criteria.append(match)
            chains.append(try makeChain(chain, index: chainIndex, context: listenerContext))
        }
        var defaultChain: FilterChainRuntime?
        if let chain = config.defaultFilterChain {
            defaultChain = try makeChain(chain, index: -1, context: listenerContext)
        }
        var accessLoggers: [AccessLogger] = []
        for entry in config.accessLog {
            accessLoggers.append(try makeAccessLogger(entry))
        }
        return ListenerRuntime(
            name: name,
            address: address,
            statPrefix: statPrefix,
            trafficDirection: listenerContext.trafficDirection,
            stats: ListenerStats(scope: scope),
            listenerFilters: listenerFilters,
            listenerFiltersTimeout: config.listenerFiltersTimeout.isPositive
                ? .nanoseconds(config.listenerFiltersTimeout.nanoseconds) : nil,
            continueOnListenerFiltersTimeout: config.continueOnListenerFiltersTimeout,
            chains: chains,
            matcher: FilterChainMatcher(criteria: criteria),
            defaultChain: defaultChain,
            bufferLimit: Int(config.perConnectionBufferLimitBytes),
            accessLoggers: accessLoggers,
            logger: logger,
            socketOptions: SocketOptionPlan.listener(config, address: address),
            backlog: Int32(clamping: config.tcpBacklogSize ?? 1024),
            unifiedMatcher: unifiedMatcher
        )
    }

    /// A listener `access_log` entry (file/stdout/stderr logger).
    private func makeAccessLogger(_ entry: AccessLogConfig) throws -> AccessLogger {
        if entry.filter != nil {
            throw ConfigError("access log filters are not supported", at: entry.filter!.mark)
        }
        guard let typed = entry.typedConfig else {
            throw ConfigError("access_log needs a typed_config (FileAccessLog or StdoutAccessLog)", at: entry.mark)
        }
        struct Body: Decodable {
            var path: String?
            var logFormat: AccessLogConfiguration.LogFormat?
            enum CodingKeys: String, CodingKey {
                case path
                case logFormat = "log_format"
            }
        }
        do {
            let body = try typed.decode(Body.self, using: decoder)
            let configuration = AccessLogConfiguration(
                name: entry.name,
                typedConfig: .init(type: typed.typeURL, path: body.path, logFormat: body.logFormat)
            )
            return try AccessLogger(configuration)
        } catch {
            throw ConfigErrorMapping.map(error, in: typed.value, fallback: typed.mark)
        }
    }

    private func makeChain(_ chain: FilterChainConfig, index: Int, context: FactoryContext) throws -> FilterChainRuntime {
        var filters: [PreparedNetworkFilter] = []
        for (position, filter) in chain.filters.enumerated() {
            let (entry, prepared) = try prepare(
                filter.name,
                typed: filter.typedConfig,
                mark: filter.nameMark,
                category: .networkFilter,
                context: context
            )
            let isLast = position == chain.filters.count - 1
            if entry.isTerminal && !isLast {
                throw ConfigError(
                    "terminal filter '\(entry.name)' must be the last filter in the chain, but \(chain.filters.count - position - 1) filter(s) follow it",
                    at: filter.mark
                )
            }
            if !entry.isTerminal && isLast {
                throw ConfigError(
                    "non-terminal filter '\(entry.name)' is the last filter in the chain; expected a terminal filter such as envoy.filters.network.tcp_proxy",
                    at: filter.mark
                )
            }
            if case .networkFilter(let network) = prepared { filters.append(network) }
        }
        var transport: (any TransportSocketFactory)?
        if let socket = chain.transportSocket {
            transport = try transportSocketFactory(socket, category: .downstreamTransportSocket, context: context)
        }
        let name = chain.name.isEmpty ? (index < 0 ? "default_filter_chain" : "filter_chain_\(index)") : chain.name
        return FilterChainRuntime(
            name: name,
            filters: filters,
            transportSocketFactory: transport,
            transportSocketConnectTimeout: chain.transportSocketConnectTimeout.map { .nanoseconds($0.nanoseconds) }
        )
    }
}

/// Decodes a `typed_config` body with the config decoder (unknown fields are errors).
struct NodeConfigDecoding: TypedConfigDecoding {
    let node: ConfigNode
    let decoder: ConfigDecoder
    /// The protobuf message the config is (`envoy.extensions.….v3.TcpProxy`), for errors.
    var messageName: String?

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let messageName { return try decoder.decode(T.self, from: node, messageName: messageName) }
        return try decoder.decode(T.self, from: node)
    }
}

/// The `raw_buffer` transport socket: plaintext, which Relay runs without a transport layer.
enum RawBufferTransport {
    static let typeURL = "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"
}
