import Logging
import NIOCore
import Relay
import RelayConfig

/// Listeners: a `ListenerConfig` to a `ListenerRuntime` (filter chains, listener filters).
extension ConfigurationBuilder {
    // MARK: - Listeners

    func makeListener(_ config: ListenerConfig, index: Int, localInfo: LocalInfo) throws -> ListenerRuntime {
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
        let listenerContext = context(scope: scope, localInfo: localInfo, listener: config)
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
    func makeAccessLogger(_ entry: AccessLogConfig) throws -> AccessLogger {
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

    func makeChain(_ chain: FilterChainConfig, index: Int, context: FactoryContext) throws -> FilterChainRuntime {
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
