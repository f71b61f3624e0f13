import Relay

/// http_inspector's stats, created once per listener filter config.
public final class HTTPInspectorShared: Sendable {
    let stats: HTTPInspectorStats

    init(stats: StatsStore) {
        self.stats = HTTPInspectorStats(scope: stats.root.scope("http_inspector"))
    }
}

/// Registers `envoy.filters.listener.http_inspector`.
public struct HTTPInspectorFactory: ListenerFilterFactory {
    public static let name: FilterName = "envoy.filters.listener.http_inspector"
    public static let typeURLs = ["type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"]

    /// Creates the factory.
    public init() {}

    public func prepare(_ config: HTTPInspectorConfig, context: FactoryContext) throws -> HTTPInspectorShared {
        HTTPInspectorShared(stats: context.stats)
    }

    public func makeListenerFilter(_ prepared: HTTPInspectorShared) -> any ListenerFilter {
        HTTPInspectorFilter(shared: prepared)
    }
}
