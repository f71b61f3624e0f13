import Logging
import Relay

extension FactoryContext {
    /// A context for calling a factory's `prepare` in a test: fake clusters named `clusters`
    /// (``FakeClusterManager``), stats in `stats` under the listener scope
    /// `listener.<listenerName>.`, an empty `LocalInfo` unless given.
    ///
    /// ```swift
    /// let context = FactoryContext.testing(clusters: ["alpha", "beta"])
    /// let shared = try SniffRouter.Factory().prepare(config, context: context)
    /// ```
    public static func testing(
        clusters: [String] = [],
        stats: StatsStore = StatsStore(),
        localInfo: LocalInfo = LocalInfo(),
        listenerName: String = "test"
    ) -> FactoryContext {
        testing(clusterManager: FakeClusterManager(clusterNames: clusters, stats: stats), localInfo: localInfo, listenerName: listenerName)
    }

    /// A context over an existing ``FakeClusterManager`` (its stats store is the context's).
    public static func testing(
        clusterManager: FakeClusterManager,
        localInfo: LocalInfo = LocalInfo(),
        listenerName: String = "test"
    ) -> FactoryContext {
        let stats = clusterManager.stats
        return FactoryContext(
            stats: stats,
            scope: stats.root.scope("listener").scope(listenerName),
            clusterManager: clusterManager,
            localInfo: localInfo,
            listenerName: listenerName,
            logger: Logger(label: "relay-test-kit")
        )
    }
}
