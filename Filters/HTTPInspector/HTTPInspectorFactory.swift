import Relay

extension HTTPInspectorFilter {
    /// http_inspector's stats, created once per listener filter config.
    public final class Shared: Sendable {
        let stats: HTTPInspectorStats

        init(stats: StatsStore) {
            self.stats = HTTPInspectorStats(scope: stats.root.scope("http_inspector"))
        }
    }
}

extension HTTPInspectorFilter {
    /// Registers `envoy.filters.listener.http_inspector`.
    public struct Factory: ListenerFilterFactory {
        public static let name: FilterName = "envoy.filters.listener.http_inspector"
        public static let typeURLs = ["type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"]

        /// Creates the factory.
        public init() {}

        public func prepare(_ config: HTTPInspectorConfig, context: FactoryContext) throws -> HTTPInspectorFilter.Shared {
            HTTPInspectorFilter.Shared(stats: context.stats)
        }

        public func makeListenerFilter(_ prepared: HTTPInspectorFilter.Shared) -> any ListenerFilter {
            HTTPInspectorFilter(shared: prepared)
        }
    }
}
