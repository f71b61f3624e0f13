/// `xds.type.matcher.v3.Matcher.MatcherList.Predicate` over network inputs.
public indirect enum MatcherPredicate: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `xds.type.matcher.v3.Matcher.MatcherList.Predicate`.
    public static let configTypeName = "xds.type.matcher.v3.Matcher.MatcherList.Predicate"

    /// `single_predicate` with a `value_match`.
    case value(NetworkMatchInput, MatcherStringMatcher)
    /// `single_predicate` with a `custom_match` of type
    /// `envoy.extensions.matching.input_matchers.ip.v3.Ip`: the address is in one of the ranges.
    case ipRanges(NetworkMatchInput, [CidrRange])
    /// `and_matcher.predicate`: all hold.
    case and([MatcherPredicate])
    /// `or_matcher.predicate`: any holds.
    case or([MatcherPredicate])
    /// `not_matcher`.
    case not(MatcherPredicate)

    private enum CodingKeys: String, CodingKey {
        case singlePredicate = "single_predicate"
        case orMatcher = "or_matcher"
        case andMatcher = "and_matcher"
        case notMatcher = "not_matcher"
    }

    /// `xds.type.matcher.v3.Matcher.MatcherList.Predicate.SinglePredicate`.
    private struct Single: Decodable, ConfigTypeNaming {
        static let configTypeName = "xds.type.matcher.v3.Matcher.MatcherList.Predicate.SinglePredicate"
        var predicate: MatcherPredicate

        private enum CodingKeys: String, CodingKey {
            case input
            case valueMatch = "value_match"
            case customMatch = "custom_match"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let mark = decoder.configMark ?? .file("<unknown>")
            guard let input = try container.decodeIfPresent(MarkedNetworkMatchInput.self, forKey: .input) else {
                throw ConfigError("a single_predicate needs an 'input'", at: mark)
            }
            let value = try container.decodeIfPresent(MatcherStringMatcher.self, forKey: .valueMatch)
            let custom = try container.decodeIfPresent(MatcherTypedExtension.self, forKey: .customMatch)
            switch (value, custom) {
            case (let value?, nil):
                predicate = .value(input.input, value)
            case (nil, let custom?):
                guard custom.typedConfig.typeName == MatcherIPRange.IPInputMatcher.typeName else {
                    throw ConfigError(
                        "unsupported custom_match type '\(custom.typedConfig.typeURL)' in single_predicate; supported: type.googleapis.com/\(MatcherIPRange.IPInputMatcher.typeName)",
                        at: custom.typedConfig.typeURLMark
                    )
                }
                guard input.input.isIPAddress else {
                    throw ConfigError(
                        "an IP matcher needs an IP address input (DestinationIPInput, SourceIPInput or DirectSourceIPInput), found \(input.input.rawValue)",
                        at: input.mark
                    )
                }
                let ip = try ConfigDecoder().decode(MatcherIPRange.IPInputMatcher.self, from: custom.typedConfig.value)
                if ip.cidrRanges.isEmpty {
                    throw ConfigError("the IP matcher needs at least one entry in 'cidr_ranges'", at: custom.typedConfig.mark)
                }
                predicate = .ipRanges(input.input, ip.cidrRanges)
            default:
                throw ConfigError("a single_predicate needs exactly one of 'value_match' or 'custom_match'", at: mark)
            }
        }
    }

    /// `xds.type.matcher.v3.Matcher.MatcherList.Predicate.PredicateList`.
    private struct PredicateList: Decodable, ConfigTypeNaming {
        static let configTypeName = "xds.type.matcher.v3.Matcher.MatcherList.Predicate.PredicateList"
        var predicate: [MatcherPredicate]
        private enum CodingKeys: String, CodingKey { case predicate }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            predicate = try container.decodeIfPresent([MatcherPredicate].self, forKey: .predicate) ?? []
            if predicate.count < 2 {
                throw ConfigError("a predicate list needs at least two entries in 'predicate'", at: decoder.configMark ?? .file("<unknown>"))
            }
        }
    }

    /// Decodes from YAML; exactly one of the four forms.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let mark = decoder.configMark ?? .file("<unknown>")
        var found: [MatcherPredicate] = []
        if let single = try container.decodeIfPresent(Single.self, forKey: .singlePredicate) { found.append(single.predicate) }
        if let list = try container.decodeIfPresent(PredicateList.self, forKey: .orMatcher) { found.append(.or(list.predicate)) }
        if let list = try container.decodeIfPresent(PredicateList.self, forKey: .andMatcher) { found.append(.and(list.predicate)) }
        if let inner = try container.decodeIfPresent(MatcherPredicate.self, forKey: .notMatcher) { found.append(.not(inner)) }
        guard found.count == 1, let only = found.first else {
            throw ConfigError(
                "a predicate needs exactly one of 'single_predicate', 'or_matcher', 'and_matcher' or 'not_matcher'",
                at: mark
            )
        }
        self = only
    }
}
