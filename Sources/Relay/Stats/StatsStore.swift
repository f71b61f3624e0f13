import Synchronization

/// The process's stats: counters, gauges and histograms by name.
///
/// Creating a stat takes a lock (it happens at config load or, for tagged custom metrics,
/// once per new label set); updating one is a lock-free atomic operation. Asking twice for
/// the same name returns the same stat.
public final class StatsStore: Sendable {
    private struct State {
        var counters: [String: Counter] = [:]
        var gauges: [String: Gauge] = [:]
        var histograms: [String: Histogram] = [:]
        /// Stats the inclusion rule leaves out: they work but are never shown.
        var hiddenCounters: [String: Counter] = [:]
        var hiddenGauges: [String: Gauge] = [:]
        var hiddenHistograms: [String: Histogram] = [:]
    }

    private let state = Mutex(State())
    /// How Envoy-namespace names become tag-extracted names and tags.
    public let tagProducer: StatTagProducer
    /// Which stats are kept.
    public let inclusion: StatsInclusion

    /// Creates an empty store with Envoy's default tag rules that keeps every stat.
    public convenience init() {
        self.init(tagProducer: .envoyDefault, inclusion: .all)
    }

    /// Creates an empty store (the bootstrap's `stats_config`).
    /// - Parameters:
    ///   - tagProducer: tag extraction for Envoy-namespace stats (`stats_tags`, `use_all_default_tags`).
    ///   - inclusion: which stats are kept (`stats_matcher`).
    public init(tagProducer: StatTagProducer, inclusion: StatsInclusion) {
        self.tagProducer = tagProducer
        self.inclusion = inclusion
    }

    /// The root scope (no prefix).
    public var root: StatsScope { StatsScope(store: self) }

    /// `name` with Envoy's tags extracted from its flat name. A name that already carries
    /// tags (a custom namespace, or a scope made with `scope(_:taggedValue:tagName:)`) keeps them.
    private func extracted(_ name: StatName) -> StatName {
        guard name.namespace == .envoy, name.tags.isEmpty, name.tagExtractedName == name.name else { return name }
        let (tagExtractedName, tags) = tagProducer.produce(name.name)
        return StatName(name: name.name, tagExtractedName: tagExtractedName, tags: tags)
    }

    private func lookupOrCreate<Stat: Sendable>(
        _ name: StatName,
        _ shown: WritableKeyPath<State, [String: Stat]>,
        _ hidden: WritableKeyPath<State, [String: Stat]>,
        make: (StatName) -> Stat
    ) -> Stat {
        if let existing = state.withLock({ $0[keyPath: shown][name.name] ?? $0[keyPath: hidden][name.name] }) {
            return existing
        }
        let kept = inclusion.includes(name.name)
        let stat = make(extracted(name))
        return state.withLock { state in
            let path = kept ? shown : hidden
            if let raced = state[keyPath: path][name.name] { return raced }
            state[keyPath: path][name.name] = stat
            return stat
        }
    }

    /// The counter named `name`, created on first use.
    public func counter(_ name: StatName) -> Counter {
        lookupOrCreate(name, \.counters, \.hiddenCounters) { Counter(name: $0) }
    }

    /// The gauge named `name`, created on first use.
    public func gauge(_ name: StatName) -> Gauge {
        lookupOrCreate(name, \.gauges, \.hiddenGauges) { Gauge(name: $0) }
    }

    /// The histogram named `name`, created on first use.
    public func histogram(_ name: StatName) -> Histogram {
        lookupOrCreate(name, \.histograms, \.hiddenHistograms) { Histogram(name: $0) }
    }

    /// Looks up an existing counter by flat name.
    public func existingCounter(_ name: String) -> Counter? {
        state.withLock { $0.counters[name] }
    }

    /// Looks up an existing gauge by flat name.
    public func existingGauge(_ name: String) -> Gauge? {
        state.withLock { $0.gauges[name] }
    }

    /// A consistent list of every stat, sorted by flat name.
    public func snapshot() -> StatsSnapshot {
        let (counters, gauges, histograms) = state.withLock { state in
            (Array(state.counters.values), Array(state.gauges.values), Array(state.histograms.values))
        }
        return StatsSnapshot(
            counters: counters.sorted { $0.name.name < $1.name.name },
            gauges: gauges.sorted { $0.name.name < $1.name.name },
            histograms: histograms.sorted { $0.name.name < $1.name.name }
        )
    }
}

/// The stats of a store at one moment, each kind sorted by flat name.
public struct StatsSnapshot: Sendable {
    /// All counters.
    public let counters: [Counter]
    /// All gauges.
    public let gauges: [Gauge]
    /// All histograms.
    public let histograms: [Histogram]
}

/// A prefix into a ``StatsStore``, Envoy-style: `cluster.backend.` with the tag
/// `envoy.cluster_name=backend` extracted, so Prometheus sees `envoy_cluster_…{envoy_cluster_name="backend"}`.
public struct StatsScope: Sendable {
    /// The store.
    public let store: StatsStore
    /// The flat prefix, ending in `.` unless empty.
    public let prefix: String
    /// The prefix with tag values removed.
    public let extractedPrefix: String
    /// Tags extracted so far.
    public let tags: [StatTag]

    /// The root scope of `store`.
    public init(store: StatsStore) {
        self.store = store
        self.prefix = ""
        self.extractedPrefix = ""
        self.tags = []
    }

    private init(store: StatsStore, prefix: String, extractedPrefix: String, tags: [StatTag]) {
        self.store = store
        self.prefix = prefix
        self.extractedPrefix = extractedPrefix
        self.tags = tags
    }

    /// A child scope `<prefix><name>.` with no tag.
    public func scope(_ name: String) -> StatsScope {
        StatsScope(store: store, prefix: prefix + name + ".", extractedPrefix: extractedPrefix + name + ".", tags: tags)
    }

    /// A child scope `<prefix><name>.<value>.` whose `<value>` segment is extracted as tag
    /// `tagName` (Envoy's default tag extractors: `cluster.<name>.` → `envoy.cluster_name`).
    public func scope(_ name: String, taggedValue value: String, tagName: String) -> StatsScope {
        StatsScope(
            store: store,
            prefix: prefix + name + "." + value + ".",
            extractedPrefix: extractedPrefix + name + ".",
            tags: tags + [StatTag(tagName, value)]
        )
    }

    /// The full stat name of `name` in this scope.
    public func statName(_ name: String) -> StatName {
        StatName(name: prefix + name, tagExtractedName: extractedPrefix + name, tags: tags)
    }

    /// The counter `<prefix><name>`.
    public func counter(_ name: String) -> Counter { store.counter(statName(name)) }

    /// The gauge `<prefix><name>`.
    public func gauge(_ name: String) -> Gauge { store.gauge(statName(name)) }

    /// The histogram `<prefix><name>`.
    public func histogram(_ name: String) -> Histogram { store.histogram(statName(name)) }
}
