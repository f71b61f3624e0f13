/// Which stats a ``StatsStore`` keeps, Envoy's `stats_matcher`: everything, nothing
/// (`reject_all`), only names matching an inclusion list, or all but an exclusion list.
/// A stat that is not kept still works for the code that updates it; it is simply never
/// stored or shown.
public struct StatsInclusion: Sendable {
    /// One pattern over a flat stat name (`envoy.type.matcher.v3.StringMatcher`).
    public enum Pattern: Sendable {
        /// The whole name.
        case exact(String, ignoreCase: Bool = false)
        /// A leading part.
        case prefix(String, ignoreCase: Bool = false)
        /// A trailing part.
        case suffix(String, ignoreCase: Bool = false)
        /// Any part.
        case contains(String, ignoreCase: Bool = false)
        /// A regular expression matching the whole name.
        case regex(StatRegex)

        func matches(_ name: String) -> Bool {
            switch self {
            case .exact(let text, let ignoreCase): return ignoreCase ? name.lowercased() == text.lowercased() : name == text
            case .prefix(let text, let ignoreCase): return ignoreCase ? name.lowercased().hasPrefix(text.lowercased()) : name.hasPrefix(text)
            case .suffix(let text, let ignoreCase): return ignoreCase ? name.lowercased().hasSuffix(text.lowercased()) : name.hasSuffix(text)
            case .contains(let text, let ignoreCase): return ignoreCase ? name.lowercased().contains(text.lowercased()) : name.contains(text)
            case .regex(let regex): return regex.wholeMatch(name)
            }
        }
    }

    private enum Rule: Sendable {
        case all, none
        case only([Pattern])
        case allBut([Pattern])
    }

    private let rule: Rule

    /// Every stat is kept (Envoy's default).
    public static let all = StatsInclusion(rule: .all)
    /// No stat is kept (`reject_all: true`).
    public static let none = StatsInclusion(rule: .none)

    /// Only stats matching one of `patterns` (`inclusion_list`).
    public static func only(_ patterns: [Pattern]) -> StatsInclusion { StatsInclusion(rule: .only(patterns)) }

    /// Every stat except those matching one of `patterns` (`exclusion_list`).
    public static func allBut(_ patterns: [Pattern]) -> StatsInclusion { StatsInclusion(rule: .allBut(patterns)) }

    private init(rule: Rule) { self.rule = rule }

    /// Whether the stat with flat name `name` is kept.
    public func includes(_ name: String) -> Bool {
        switch rule {
        case .all: return true
        case .none: return false
        case .only(let patterns): return patterns.contains { $0.matches(name) }
        case .allBut(let patterns): return !patterns.contains { $0.matches(name) }
        }
    }
}
