import Logging
import NIOCore
import Relay
import RelayConfig

/// Clusters: a `ClusterConfig` to a `RuntimeCluster` (endpoints, transport socket, filters).
extension ConfigurationBuilder {
    // MARK: - Clusters

    func makeCluster(_ config: ClusterConfig, localInfo: LocalInfo) throws -> RuntimeCluster {
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
        let clusterContext = context(scope: scope, localInfo: localInfo, cluster: config.name)
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

    func transportSocketFactory(
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
}
