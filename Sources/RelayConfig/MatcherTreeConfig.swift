/// `xds.type.matcher.v3.Matcher.MatcherTree` in a `filter_chain_matcher`: one network input
/// looked up in an exact map, a prefix map, or an IP matcher.
public struct MatcherTreeConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `xds.type.matcher.v3.Matcher.MatcherTree`.
    public static let configTypeName = "xds.type.matcher.v3.Matcher.MatcherTree"

    /// One `map` entry.
    public struct Entry: Sendable, Hashable {
        /// The key as written.
        public var key: String
        /// What to do when the key matches.
        public var onMatch: MatcherOnMatch
        /// Where the key is written.
        public var mark: Mark
    }

    /// The `tree_type` oneof.
    public enum Tree: Sendable, Hashable {
        /// `exact_match_map.map`, in file order.
        case exact([Entry])
        /// `prefix_match_map.map`, in file order (the longest matching prefix wins).
        case prefix([Entry])
        /// `custom_match` with an `xds.type.matcher.v3.IPMatcher`: the `range_matchers`.
        case ipRanges([MatcherIPRange])
    }

    /// `input`.
    public var input: NetworkMatchInput
    /// The lookup.
    public var tree: Tree
    /// Where the tree starts.
    public var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case input
        case exactMatchMap = "exact_match_map"
        case prefixMatchMap = "prefix_match_map"
        case customMatch = "custom_match"
    }

    /// `xds.type.matcher.v3.Matcher.MatcherTree.MatchMap`.
    private struct MatchMap: Decodable, ConfigTypeNaming {
        static let configTypeName = "xds.type.matcher.v3.Matcher.MatcherTree.MatchMap"
        var entries: [Entry]
        private enum CodingKeys: String, CodingKey { case map }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let mark = decoder.configMark ?? .file("<unknown>")
            let node = try container.decodeIfPresent(ConfigNode.self, forKey: .map)
            guard let node, case .mapping(let mapping) = node, !mapping.entries.isEmpty else {
                throw ConfigError("a match map needs a non-empty 'map' of key: on_match", at: node?.mark ?? mark)
            }
            var seen: Set<String> = []
            entries = try mapping.entries.map { entry in
                let key = entry.keyString
                guard seen.insert(key).inserted else {
                    throw ConfigError("duplicate key '\(key)' in match map", at: entry.key.mark)
                }
                let onMatch = try ConfigDecoder().decode(MatcherOnMatch.self, from: entry.value)
                return Entry(key: key, onMatch: onMatch, mark: entry.key.mark)
            }
        }
    }

    /// Decodes from YAML: an `input` and exactly one of the maps or `custom_match`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        guard let input = try container.decodeIfPresent(MarkedNetworkMatchInput.self, forKey: .input) else {
            throw ConfigError("a matcher_tree needs an 'input'", at: mark)
        }
        self.input = input.input
        var trees: [Tree] = []
        if let map = try container.decodeIfPresent(MatchMap.self, forKey: .exactMatchMap) { trees.append(.exact(map.entries)) }
        if let map = try container.decodeIfPresent(MatchMap.self, forKey: .prefixMatchMap) { trees.append(.prefix(map.entries)) }
        if let custom = try container.decodeIfPresent(MatcherTypedExtension.self, forKey: .customMatch) {
            guard custom.typedConfig.typeName == MatcherIPRange.IPMatcher.typeName else {
                throw ConfigError(
                    "unsupported custom_match type '\(custom.typedConfig.typeURL)' in matcher_tree; supported: type.googleapis.com/\(MatcherIPRange.IPMatcher.typeName)",
                    at: custom.typedConfig.typeURLMark
                )
            }
            guard input.input.isIPAddress else {
                throw ConfigError(
                    "an IP matcher needs an IP address input (DestinationIPInput, SourceIPInput or DirectSourceIPInput), found \(input.input.rawValue)",
                    at: input.mark
                )
            }
            let ip = try ConfigDecoder().decode(MatcherIPRange.IPMatcher.self, from: custom.typedConfig.value)
            trees.append(.ipRanges(ip.rangeMatchers))
        }
        guard trees.count == 1, let only = trees.first else {
            throw ConfigError("a matcher_tree needs exactly one of 'exact_match_map', 'prefix_match_map' or 'custom_match'", at: mark)
        }
        tree = only
    }
}
