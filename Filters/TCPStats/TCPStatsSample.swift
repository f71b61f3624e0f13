/// One counter increment, fully resolved: the metric, its final tags and the amount.
public struct TCPStatsSample: Hashable, Sendable, CustomStringConvertible {
    /// The metric to increment.
    public var metric: TCPStatsMetric
    /// The tags, in emission order (standard tags with overrides, then added dimensions).
    public var tags: [TCPStatsTag]
    /// The amount to add.
    public var amount: UInt64

    /// Creates a sample.
    public init(metric: TCPStatsMetric, tags: [TCPStatsTag], amount: UInt64) {
        self.metric = metric
        self.tags = tags
        self.amount = amount
    }

    /// Envoy's flat `/stats` name of the counter (see ``TCPStatsMetric/flatStatName(tags:)``).
    public var flatStatName: String { metric.flatStatName(tags: tags) }

    /// `metric{tag="value",…} += amount`, for diagnostics.
    public var description: String {
        "\(metric.prometheusName){\(tags.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ","))} += \(amount)"
    }
}
