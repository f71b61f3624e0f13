/// The config's `metrics` list compiled into per-metric instructions, as Istio's stats filter
/// does at config load:
///
/// 1. A metric named by an entry with `drop: true` is dropped (an empty name drops all four).
/// 2. Entries are processed in order. `tags_to_remove` marks standard tags for removal;
///    `dimensions` are processed in sorted tag order: a standard tag name replaces that tag's
///    value in place (and undoes an earlier removal), any other name is appended after the
///    standard tags. A later entry wins over an earlier one for the same tag.
/// 3. An entry with an empty `name` applies to every metric.
///
/// `response_code` and `grpc_response_status` count as standard tags (as in Istio), but TCP
/// metrics do not carry them, so overriding them has no effect on TCP metrics. Entries naming
/// an HTTP metric have no effect either.
struct TCPStatsMetricOverrides: Hashable, Sendable {
    enum TagOverride: Hashable, Sendable {
        case remove
        case set(TCPStatsAttribute)
    }

    struct Addition: Hashable, Sendable {
        var name: String
        var attribute: TCPStatsAttribute
    }

    struct Plan: Hashable, Sendable {
        var dropped = false
        var overrides: [String: TagOverride] = [:]
        var additions: [Addition] = []
    }

    /// Tags Istio's stats filter treats as standard (the 23 plus the two HTTP-only ones).
    static let standardTagNames: Set<String> = Set(TCPStatsLabels.standardTagNames).union([
        "response_code", "grpc_response_status",
    ])

    private(set) var plans: [TCPStatsMetric: Plan] = [:]
    /// Every distinct attribute some metric uses, to evaluate once per connection.
    private(set) var attributes: [TCPStatsAttribute] = []

    init(metrics: [TCPStatsConfig.MetricConfig]) throws(TCPStatsConfigError) {
        var seen: Set<TCPStatsAttribute> = []
        for entry in metrics {
            let targets: [TCPStatsMetric]
            if entry.name.isEmpty {
                targets = TCPStatsMetric.allCases
            } else if let metric = TCPStatsMetric(configName: entry.name) {
                targets = [metric]
            } else if TCPStatsMetric.allStandardConfigNames.contains(entry.name) {
                targets = []
            } else {
                throw .unknownMetricName(entry.name)
            }
            if entry.drop {
                for metric in targets { plans[metric, default: Plan()].dropped = true }
                continue
            }
            for tag in entry.tagsToRemove {
                guard Self.standardTagNames.contains(tag) else {
                    throw .unknownTagToRemove(metric: entry.name, tag: tag)
                }
                for metric in targets { plans[metric, default: Plan()].overrides[tag] = .remove }
            }
            for tag in entry.dimensions.keys.sorted() {
                let attribute = entry.dimensions[tag]!
                if seen.insert(attribute).inserted { attributes.append(attribute) }
                for metric in targets {
                    if Self.standardTagNames.contains(tag) {
                        plans[metric, default: Plan()].overrides[tag] = .set(attribute)
                    } else if let index = plans[metric, default: Plan()].additions.firstIndex(where: { $0.name == tag }) {
                        plans[metric]!.additions[index].attribute = attribute
                    } else {
                        plans[metric, default: Plan()].additions.append(Addition(name: tag, attribute: attribute))
                    }
                }
            }
        }
    }

    /// The final tags of `metric`, or `nil` if it is dropped. `values` holds the evaluated
    /// attributes.
    func apply(to standard: [TCPStatsTag], metric: TCPStatsMetric, values: [TCPStatsAttribute: String]) -> [TCPStatsTag]? {
        guard let plan = plans[metric] else { return standard }
        if plan.dropped { return nil }
        var tags: [TCPStatsTag] = []
        tags.reserveCapacity(standard.count + plan.additions.count)
        for tag in standard {
            switch plan.overrides[tag.name] {
            case nil: tags.append(tag)
            case .remove: break
            case .set(let attribute): tags.append(TCPStatsTag(tag.name, values[attribute] ?? TCPStatsAttribute.unknownValue))
            }
        }
        for addition in plan.additions {
            tags.append(TCPStatsTag(addition.name, values[addition.attribute] ?? TCPStatsAttribute.unknownValue))
        }
        return tags
    }
}
