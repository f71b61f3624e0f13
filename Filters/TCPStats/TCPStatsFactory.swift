import Relay
import Synchronization

/// Registers Istio's stats filter for TCP (`istio.stats`, `type.googleapis.com/stats.PluginConfig`).
public struct TCPStatsFactory: NetworkFilterFactory {
    public static let name: FilterName = "istio.stats"
    public static let typeURLs = ["type.googleapis.com/stats.PluginConfig"]

    /// Creates the factory.
    public init() {}

    public func prepare(_ config: TCPStatsConfig, context: FactoryContext) throws -> TCPStatsShared {
        let direction: TCPStatsReporter.ListenerDirection
        switch context.trafficDirection {
        case .inbound: direction = .inbound
        case .outbound: direction = .outbound
        case .unspecified: direction = .unspecified
        }
        return TCPStatsShared(
            config: config,
            reporter: TCPStatsReporter(configured: config.reporter, direction: direction),
            localInfo: context.localInfo,
            stats: context.stats
        )
    }

    public func makeFilters(_ prepared: TCPStatsShared, into chain: inout FilterChainBuilder) {
        chain.addReadFilter(TCPStatsFilter(shared: prepared))
    }
}

/// An `istio.stats` config, prepared once: reporter, local workload, and the counters of
/// every label set seen so far (creating a series takes a lock once; increments are atomic).
public final class TCPStatsShared: Sendable {
    let config: TCPStatsConfig
    let reporter: TCPStatsReporter
    let localWorkload: WorkloadMetadata
    let localNodeMetadata: [String: String]
    let stats: StatsStore
    private let series = Mutex<[SeriesKey: Counter]>([:])

    struct SeriesKey: Hashable {
        let metric: TCPStatsMetric
        let tags: [TCPStatsTag]
    }

    init(config: TCPStatsConfig, reporter: TCPStatsReporter, localInfo: LocalInfo, stats: StatsStore) {
        self.config = config
        self.reporter = reporter
        self.localWorkload = localInfo.workloadMetadata()
        self.localNodeMetadata = localInfo.metadata.compactMapValues { $0.stringValue }
        self.stats = stats
    }

    /// The counter for one metric and label set.
    func counter(_ metric: TCPStatsMetric, tags: [TCPStatsTag]) -> Counter {
        let key = SeriesKey(metric: metric, tags: tags)
        if let existing = series.withLock({ $0[key] }) { return existing }
        let name = StatName.custom(
            namespace: TCPStatsMetric.statNamespace,
            metric: metric.prometheusName,
            tags: tags.map { StatTag($0.name, $0.value) }
        )
        let counter = stats.counter(name)
        series.withLock { $0[key] = counter }
        return counter
    }

    /// Adds a report's samples to their counters.
    func record(_ report: TCPConnectionReporter.Report) {
        for sample in report.samples {
            counter(sample.metric, tags: sample.tags).increment(by: sample.amount)
        }
    }
}
