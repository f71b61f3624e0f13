/// One `xds.type.matcher.v3.IPMatcher.IPRangeMatcher`: CIDR ranges and what to do when the
/// input address falls in one of them.
public struct MatcherIPRange: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `xds.type.matcher.v3.IPMatcher.IPRangeMatcher`.
    public static let configTypeName = "xds.type.matcher.v3.IPMatcher.IPRangeMatcher"

    /// `ranges` (at least one).
    public var ranges: [CidrRange]
    /// `on_match`.
    public var onMatch: MatcherOnMatch
    /// `exclusive`: when this range matches but its `on_match` does not, do not fall back to
    /// less specific ranges.
    public var exclusive: Bool
    /// Where the range matcher starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case ranges
        case onMatch = "on_match"
        case exclusive
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        ranges = try container.decodeIfPresent([CidrRange].self, forKey: .ranges) ?? []
        if ranges.isEmpty {
            throw ConfigError("an IP range matcher needs at least one entry in 'ranges'", at: mark)
        }
        guard let onMatch = try container.decodeIfPresent(MatcherOnMatch.self, forKey: .onMatch) else {
            throw ConfigError("an IP range matcher needs an 'on_match'", at: mark)
        }
        self.onMatch = onMatch
        exclusive = try container.decodeIfPresent(Bool.self, forKey: .exclusive) ?? false
    }

    /// `xds.type.matcher.v3.IPMatcher`, the `custom_match` of a `matcher_tree`.
    struct IPMatcher: Decodable, ConfigTypeNaming {
        static let configTypeName = "xds.type.matcher.v3.IPMatcher"
        static let typeName = "xds.type.matcher.v3.IPMatcher"
        var rangeMatchers: [MatcherIPRange]
        private enum CodingKeys: String, CodingKey {
            case rangeMatchers = "range_matchers"
        }
    }

    /// `envoy.extensions.matching.input_matchers.ip.v3.Ip`, the `custom_match` of a single
    /// predicate.
    struct IPInputMatcher: Decodable, ConfigTypeNaming {
        static let configTypeName = "envoy.extensions.matching.input_matchers.ip.v3.Ip"
        static let typeName = "envoy.extensions.matching.input_matchers.ip.v3.Ip"
        var cidrRanges: [CidrRange]
        var statPrefix: String?
        private enum CodingKeys: String, CodingKey {
            case cidrRanges = "cidr_ranges"
            case statPrefix = "stat_prefix"
        }
    }
}
