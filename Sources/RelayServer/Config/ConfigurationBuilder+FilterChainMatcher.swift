import Logging
import RelayConfig

extension ConfigurationBuilder {
    /// Compiles a listener's `filter_chain_matcher` with Envoy's load-time rules: every filter
    /// chain needs a unique `name` (actions refer to chains by name) and every action must name
    /// one of them. Each chain's `filter_chain_match` is then ignored, with one warning.
    func makeUnifiedMatcher(
        _ config: FilterChainMatcherConfig,
        chains: [FilterChainConfig],
        listener: String
    ) throws -> UnifiedFilterChainMatcher {
        var indices: [String: Int] = [:]
        for (index, chain) in chains.enumerated() {
            guard !chain.name.isEmpty else {
                throw ConfigError(
                    "listener '\(listener)': \"name\" field is required on every filter chain when using a filter_chain_matcher",
                    at: chain.mark
                )
            }
            guard indices.updateValue(index, forKey: chain.name) == nil else {
                throw ConfigError(
                    "listener '\(listener)': \"name\" field is duplicated with value '\(chain.name)'",
                    at: chain.mark
                )
            }
        }
        let ignored = chains.filter { $0.filterChainMatch != nil }.map { "'\($0.name)'" }
        if !ignored.isEmpty {
            logger.warning(
                "'filter_chain_match' is ignored on filter chain(s) \(ignored.joined(separator: ", ")): the listener's filter_chain_matcher selects chains",
                metadata: ["in": "\(listener)"]
            )
        }
        return try UnifiedFilterChainMatcher(config, chainNames: indices)
    }
}
