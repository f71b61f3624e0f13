/// `xds.type.matcher.v3.Matcher.OnMatch` in a `filter_chain_matcher`: a nested matcher, or an
/// action naming a filter chain (`google.protobuf.StringValue`).
public struct MatcherOnMatch: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `xds.type.matcher.v3.Matcher.OnMatch`.
    public static let configTypeName = "xds.type.matcher.v3.Matcher.OnMatch"
    /// The only action type a filter-chain matcher takes.
    public static let filterChainNameActionType = "google.protobuf.StringValue"

    /// The `on_match` oneof.
    public indirect enum Target: Sendable, Hashable {
        /// `matcher`: evaluate a nested matcher; if it does not match, neither does this.
        case matcher(FilterChainMatcherConfig)
        /// `action` with a `google.protobuf.StringValue`: the filter chain with this `name`.
        case filterChain(Marked<String>)
    }

    /// What to do on a match.
    public var target: Target
    /// Where the on-match starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case matcher, action
        case keepMatching = "keep_matching"
    }

    /// `google.protobuf.StringValue`.
    private struct StringValue: Decodable, ConfigTypeNaming {
        static let configTypeName = "google.protobuf.StringValue"
        var value: Marked<String>?
        private enum CodingKeys: String, CodingKey { case value }
    }

    /// Decodes from YAML: exactly one of `matcher` and `action`; `keep_matching: true` is
    /// refused (Envoy rejects it for filter-chain matching too).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        if try container.decodeIfPresent(Bool.self, forKey: .keepMatching) == true {
            throw ConfigError(
                "'keep_matching' is not supported by Relay in filter_chain_matcher",
                at: container.configKeyMark(forKey: .keepMatching) ?? mark
            )
        }
        let nested = try container.decodeIfPresent(FilterChainMatcherConfig.self, forKey: .matcher)
        let action = try container.decodeIfPresent(MatcherTypedExtension.self, forKey: .action)
        switch (nested, action) {
        case (let nested?, nil):
            target = .matcher(nested)
        case (nil, let action?):
            guard action.typedConfig.typeName == Self.filterChainNameActionType else {
                throw ConfigError(
                    "unsupported filter_chain_matcher action type '\(action.typedConfig.typeURL)'; the action must be a type.googleapis.com/\(Self.filterChainNameActionType) naming a filter chain",
                    at: action.typedConfig.typeURLMark
                )
            }
            let body = try ConfigDecoder().decode(StringValue.self, from: action.typedConfig.value)
            guard let name = body.value, !name.value.isEmpty else {
                throw ConfigError("the action's google.protobuf.StringValue needs a 'value': the name of a filter chain", at: action.typedConfig.mark)
            }
            target = .filterChain(name)
        case (nil, nil):
            throw ConfigError("an on_match needs one of 'matcher' or 'action'", at: mark)
        case (_?, _?):
            throw ConfigError("an on_match takes one of 'matcher' or 'action', not both", at: container.configKeyMark(forKey: .action) ?? mark)
        }
    }

    func collectActionNames(into names: inout [Marked<String>]) {
        switch target {
        case .filterChain(let name): names.append(name)
        case .matcher(let nested): nested.collectActionNames(into: &names)
        }
    }
}
