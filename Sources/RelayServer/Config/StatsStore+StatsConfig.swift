import Relay
import RelayConfig

extension StatsStore {
    /// A store configured by the bootstrap's `stats_config`: Envoy's default tag rules
    /// (unless `use_all_default_tags: false`), then `stats_tags` in order, and `stats_matcher`.
    ///
    /// - Throws: `RelayConfig/ConfigError` at the specifier whose regex does not compile, or
    ///   that names no default rule.
    convenience init(_ config: StatsConfig) throws {
        var extractors: [StatTagExtractor] = []
        for specifier in config.statsTags {
            switch specifier.value {
            case .fixed(let value):
                extractors.append(StatTagExtractor(name: specifier.tagName, fixedValue: value))
            case .regex(let pattern):
                do {
                    extractors.append(try StatTagExtractor(name: specifier.tagName, regex: pattern))
                } catch {
                    throw ConfigError("\(error) in stats_tags '\(specifier.tagName)'", at: specifier.mark)
                }
            case .defaultRule:
                let defaults = StatTagProducer.defaultExtractors(named: specifier.tagName)
                guard !defaults.isEmpty else {
                    throw ConfigError(
                        "no regex specified for tag specifier and no default regex for name: '\(specifier.tagName)'",
                        at: specifier.mark
                    )
                }
                extractors += defaults
            }
        }
        let producer = StatTagProducer(extractors: extractors, useDefaultTags: config.useAllDefaultTags)
        self.init(tagProducer: producer, inclusion: try Self.inclusion(config.statsMatcher))
    }

    private static func inclusion(_ matcher: StatsConfig.StatsMatcher?) throws -> StatsInclusion {
        switch matcher {
        case nil, .rejectAll(false): return .all
        case .rejectAll(true): return .none
        case .inclusionList(let list): return .only(try list.map(pattern))
        case .exclusionList(let list): return .allBut(try list.map(pattern))
        }
    }

    private static func pattern(_ matcher: StatsConfig.NameMatcher) throws -> StatsInclusion.Pattern {
        switch matcher.pattern {
        case .exact(let text): return .exact(text, ignoreCase: matcher.ignoreCase)
        case .prefix(let text): return .prefix(text, ignoreCase: matcher.ignoreCase)
        case .suffix(let text): return .suffix(text, ignoreCase: matcher.ignoreCase)
        case .contains(let text): return .contains(text, ignoreCase: matcher.ignoreCase)
        case .regex(let text):
            do {
                return .regex(try StatRegex(text))
            } catch {
                throw ConfigError("\(error) in stats_matcher", at: matcher.mark)
            }
        }
    }
}
