/// `xds.type.matcher.v3.StringMatcher` as a `value_match`.
public struct MatcherStringMatcher: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `xds.type.matcher.v3.StringMatcher`.
    public static let configTypeName = "xds.type.matcher.v3.StringMatcher"

    /// The `match_pattern` oneof.
    public enum Pattern: Sendable, Hashable {
        /// `exact`.
        case exact(String)
        /// `prefix` (non-empty).
        case prefix(String)
        /// `suffix` (non-empty).
        case suffix(String)
        /// `contains` (non-empty).
        case contains(String)
        /// `safe_regex.regex`: the whole value must match.
        case regex(String)
    }

    /// The pattern.
    public var pattern: Pattern
    /// `ignore_case` (not for `safe_regex`).
    public var ignoreCase: Bool
    /// Where the matcher starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case exact, prefix, suffix, contains, custom
        case safeRegex = "safe_regex"
        case ignoreCase = "ignore_case"
    }

    private struct RegexMatcher: Decodable, ConfigTypeNaming {
        static let configTypeName = "xds.type.matcher.v3.RegexMatcher"
        var regex: String
        private enum CodingKeys: String, CodingKey {
            case regex
            case googleRE2 = "google_re2"
        }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            _ = try container.decodeIfPresent(ConfigNode.self, forKey: .googleRE2)
            regex = try container.decodeIfPresent(String.self, forKey: .regex) ?? ""
            if regex.isEmpty {
                throw ConfigError("'safe_regex' needs a non-empty 'regex'", at: decoder.configMark ?? .file("<unknown>"))
            }
        }
    }

    /// Decodes from YAML; exactly one pattern must be set.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        if let custom = container.configKeyMark(forKey: .custom) {
            throw ConfigError("'custom' string matchers are not supported by Relay", at: custom)
        }
        ignoreCase = try container.decodeIfPresent(Bool.self, forKey: .ignoreCase) ?? false
        var patterns: [Pattern] = []
        if let text = try container.decodeIfPresent(String.self, forKey: .exact) { patterns.append(.exact(text)) }
        for (key, make) in [(CodingKeys.prefix, Pattern.prefix), (.suffix, Pattern.suffix), (.contains, Pattern.contains)] {
            guard let text = try container.decodeIfPresent(Marked<String>.self, forKey: key) else { continue }
            if text.value.isEmpty {
                throw ConfigError("'\(key.stringValue)' must not be empty", at: text.mark)
            }
            patterns.append(make(text.value))
        }
        if let regex = try container.decodeIfPresent(RegexMatcher.self, forKey: .safeRegex) {
            patterns.append(.regex(regex.regex))
        }
        guard patterns.count == 1, let only = patterns.first else {
            throw ConfigError("a string matcher needs exactly one of 'exact', 'prefix', 'suffix', 'contains' or 'safe_regex'", at: mark)
        }
        pattern = only
    }
}
