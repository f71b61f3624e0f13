/// A listener's `filter_chain_matcher`: Envoy's unified matcher (`xds.type.matcher.v3.Matcher`)
/// over network inputs, whose actions name a filter chain (`google.protobuf.StringValue`).
///
/// Either a ``MatcherType/list(_:)`` (first matching predicate wins) or a
/// ``MatcherType/tree(_:)`` (one input looked up in a map or an IP matcher), plus an optional
/// `on_no_match`. A matcher with neither only has its `on_no_match`.
public struct FilterChainMatcherConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `xds.type.matcher.v3.Matcher`.
    public static let configTypeName = "xds.type.matcher.v3.Matcher"

    /// The `matcher_type` oneof.
    public enum MatcherType: Sendable, Hashable {
        /// `matcher_list.matchers`, in order.
        case list([MatcherFieldMatcher])
        /// `matcher_tree`.
        case tree(MatcherTreeConfig)
    }

    /// `matcher_list` or `matcher_tree` (nil when neither is set).
    public var matcherType: MatcherType?
    /// `on_no_match`.
    public var onNoMatch: MatcherOnMatch?
    /// Where the matcher starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case matcherList = "matcher_list"
        case matcherTree = "matcher_tree"
        case onNoMatch = "on_no_match"
    }

    /// `xds.type.matcher.v3.Matcher.MatcherList`.
    private struct MatcherList: Decodable, ConfigTypeNaming {
        static let configTypeName = "xds.type.matcher.v3.Matcher.MatcherList"
        var matchers: [MatcherFieldMatcher]

        private enum CodingKeys: String, CodingKey { case matchers }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            matchers = try container.decodeIfPresent([MatcherFieldMatcher].self, forKey: .matchers) ?? []
            if matchers.isEmpty {
                throw ConfigError("'matcher_list' needs at least one entry in 'matchers'", at: decoder.configMark ?? .file("<unknown>"))
            }
        }
    }

    /// Decodes from YAML; `matcher_list` and `matcher_tree` are mutually exclusive.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        let list = try container.decodeIfPresent(MatcherList.self, forKey: .matcherList)
        let tree = try container.decodeIfPresent(MatcherTreeConfig.self, forKey: .matcherTree)
        switch (list, tree) {
        case (let list?, nil): matcherType = .list(list.matchers)
        case (nil, let tree?): matcherType = .tree(tree)
        case (nil, nil): matcherType = nil
        case (_?, _?):
            throw ConfigError(
                "a matcher takes one of 'matcher_list' or 'matcher_tree', not both",
                at: container.configKeyMark(forKey: .matcherTree) ?? mark
            )
        }
        onNoMatch = try container.decodeIfPresent(MatcherOnMatch.self, forKey: .onNoMatch)
    }

    /// Every filter-chain name the matcher's actions refer to, with where each is written.
    public var actionChainNames: [Marked<String>] {
        var names: [Marked<String>] = []
        collectActionNames(into: &names)
        return names
    }

    func collectActionNames(into names: inout [Marked<String>]) {
        switch matcherType {
        case .list(let matchers):
            for matcher in matchers { matcher.onMatch.collectActionNames(into: &names) }
        case .tree(let tree):
            switch tree.tree {
            case .exact(let map), .prefix(let map):
                for entry in map { entry.onMatch.collectActionNames(into: &names) }
            case .ipRanges(let ranges):
                for range in ranges { range.onMatch.collectActionNames(into: &names) }
            }
        case nil:
            break
        }
        onNoMatch?.collectActionNames(into: &names)
    }
}
