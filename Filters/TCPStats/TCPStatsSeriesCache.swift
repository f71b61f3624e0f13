import Relay
import Synchronization

/// The counters of Istio's TCP metrics, one per metric and label set, shared by every
/// connection of a filter chain.
///
/// Finding a series the first time builds its `StatName` and takes the stats store's lock
/// once; afterwards the lookup only takes this cache's own short lock, and connections keep
/// the `Counter` objects they got, so their later increments are lock-free atomic adds.
public final class TCPStatsSeriesCache: Sendable {
    /// One series: a metric and its final tag list, in emission order.
    struct SeriesKey: Hashable {
        let metric: TCPStatsMetric
        let tags: [TCPStatsTag]
    }

    private let store: StatsStore
    private let counters = Mutex<[SeriesKey: Counter]>([:])

    /// Creates an empty cache over `store`.
    public init(store: StatsStore) {
        self.store = store
    }

    /// The counter of `metric` with `tags`, created in the store on first use as the custom
    /// stat `istiocustom.<metric>` with those tags.
    public func counter(for metric: TCPStatsMetric, tags: [TCPStatsTag]) -> Counter {
        let key = SeriesKey(metric: metric, tags: tags)
        if let cached = counters.withLock({ $0[key] }) { return cached }
        let name = StatName.custom(
            namespace: TCPStatsMetric.statNamespace,
            metric: metric.prometheusName,
            tags: tags.map { StatTag($0.name, $0.value) }
        )
        // The store returns the same counter for the same name, so a race between two loops
        // creating one series ends with both holding the same object.
        let counter = store.counter(name)
        counters.withLock { $0[key] = counter }
        return counter
    }

    /// How many series the cache holds.
    public var count: Int { counters.withLock { $0.count } }
}
