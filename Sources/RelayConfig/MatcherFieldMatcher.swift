/// `xds.type.matcher.v3.Matcher.MatcherList.FieldMatcher`: a predicate and what to do when it
/// holds.
public struct MatcherFieldMatcher: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `xds.type.matcher.v3.Matcher.MatcherList.FieldMatcher`.
    public static let configTypeName = "xds.type.matcher.v3.Matcher.MatcherList.FieldMatcher"

    /// `predicate`.
    public var predicate: MatcherPredicate
    /// `on_match`.
    public var onMatch: MatcherOnMatch
    /// Where the field matcher starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case predicate
        case onMatch = "on_match"
    }

    /// Decodes from YAML; both fields are required.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        guard let predicate = try container.decodeIfPresent(MatcherPredicate.self, forKey: .predicate) else {
            throw ConfigError("a field matcher needs a 'predicate'", at: mark)
        }
        guard let onMatch = try container.decodeIfPresent(MatcherOnMatch.self, forKey: .onMatch) else {
            throw ConfigError("a field matcher needs an 'on_match'", at: mark)
        }
        self.predicate = predicate
        self.onMatch = onMatch
    }
}
