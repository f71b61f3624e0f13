/// A `stats.PluginConfig` that Relay's TCP stats filter cannot accept. Each case names the
/// offending field and value.
public enum TCPStatsConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `field` is not a protobuf Duration string (or is negative).
    case invalidDuration(field: String, value: String, reason: String)
    /// `reporter` is neither `UNSPECIFIED` nor `SERVER_GATEWAY`.
    case invalidReporter(String)
    /// A `metrics[].dimensions` value is not one of the supported attribute expressions.
    case unsupportedDimensionExpression(tag: String, expression: String, reason: String)
    /// A `metrics[].dimensions` key is not a usable label name.
    case invalidDimensionName(String)
    /// A `metrics[].name` is not one of Istio's standard metric names.
    case unknownMetricName(String)
    /// A `metrics[].tags_to_remove` entry is not a standard Istio tag.
    case unknownTagToRemove(metric: String, tag: String)
    /// `metrics[].match` is set; Istio does not implement it either.
    case matchNotSupported(metric: String, expression: String)
    /// `definitions` (custom metrics) is non-empty; Relay does not implement custom metrics.
    case customMetricDefinitionsNotSupported(names: [String])
    /// A field that `stats.PluginConfig` does not have (or has reserved).
    case unknownField(String)

    /// A sentence naming the field, the value and the problem.
    public var description: String {
        switch self {
        case .invalidDuration(let field, let value, let reason):
            "stats.PluginConfig.\(field): \"\(value)\" is not a valid duration: \(reason)"
        case .invalidReporter(let value):
            "stats.PluginConfig.reporter: \"\(value)\" is not a reporter (expected UNSPECIFIED or SERVER_GATEWAY)"
        case .unsupportedDimensionExpression(let tag, let expression, let reason):
            "stats.PluginConfig.metrics[].dimensions[\"\(tag)\"]: unsupported expression `\(expression)`: \(reason)"
        case .invalidDimensionName(let tag):
            "stats.PluginConfig.metrics[].dimensions: \"\(tag)\" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)"
        case .unknownMetricName(let name):
            "stats.PluginConfig.metrics[].name: \"\(name)\" is not a standard Istio metric (use e.g. tcp_sent_bytes_total, without the istio_ prefix, or leave it empty for all metrics)"
        case .unknownTagToRemove(let metric, let tag):
            "stats.PluginConfig.metrics[\(metric.isEmpty ? "*" : metric)].tags_to_remove: \"\(tag)\" is not a standard Istio tag"
        case .matchNotSupported(let metric, let expression):
            "stats.PluginConfig.metrics[\(metric.isEmpty ? "*" : metric)].match: `\(expression)` is not supported (Istio does not implement match either)"
        case .customMetricDefinitionsNotSupported(let names):
            "stats.PluginConfig.definitions: custom metrics are not supported (defined: \(names.joined(separator: ", ")))"
        case .unknownField(let name):
            "stats.PluginConfig: unknown field \"\(name)\""
        }
    }
}
