import TLS
import HTTPInspector
import MetadataExchange
import Relay
import TCPProxy
import TCPStats

extension FilterRegistry {
    /// Every filter and transport socket that ships with Relay, registered explicitly (the
    /// one list; Envoy's `extensions_build_config.bzl`). A program adds its own beside them:
    ///
    /// ```swift
    /// var registry = FilterRegistry.bundled
    /// registry.register(MyFilter.Factory())
    /// ```
    public static var bundled: FilterRegistry {
        var registry = FilterRegistry()
        registerBundledFilters(into: &registry)
        return registry
    }

    /// Adds the bundled factories to `registry`.
    public static func registerBundledFilters(into registry: inout FilterRegistry) {
        // Each bundled module registers its factories here, one line per factory.
        registry.register(TCPProxyFilter.Factory())
        registry.register(MetadataExchangeFilter.Factory())
        registry.register(upstream: MetadataExchangeFilter.UpstreamFactory())
        registry.register(TCPStatsFilter.Factory())
        registry.register(downstream: DownstreamTLSContext.Factory())
        registry.register(upstream: UpstreamTLSContext.Factory())
        registry.register(TLSInspectorFilter.Factory())
        registry.register(HTTPInspectorFilter.Factory())
    }
}
