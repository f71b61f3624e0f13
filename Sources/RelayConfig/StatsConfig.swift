/// `envoy.config.metrics.v3.StatsConfig`: how stat names become tags (`stats_tags`,
/// `use_all_default_tags`) and which stats exist at all (`stats_matcher`).
public struct StatsConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.config.metrics.v3.StatsConfig`.
    public static let configTypeName = "envoy.config.metrics.v3.StatsConfig"

    /// `stats_tags`, in order.
    public var statsTags: [TagSpecifier]
    /// `use_all_default_tags` (default true).
    public var useAllDefaultTags: Bool
    /// `stats_matcher`; nil keeps every stat.
    public var statsMatcher: StatsMatcher?

    /// Envoy's defaults: default tags, no extra tags, every stat kept.
    public init(statsTags: [TagSpecifier] = [], useAllDefaultTags: Bool = true, statsMatcher: StatsMatcher? = nil) {
        self.statsTags = statsTags
        self.useAllDefaultTags = useAllDefaultTags
        self.statsMatcher = statsMatcher
    }

    private enum CodingKeys: String, CodingKey {
        case statsTags = "stats_tags"
        case useAllDefaultTags = "use_all_default_tags"
        case statsMatcher = "stats_matcher"
        case histogramBucketSettings = "histogram_bucket_settings"
    }

    /// Decodes from YAML.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        statsTags = try container.decodeIfPresent([TagSpecifier].self, forKey: .statsTags) ?? []
        useAllDefaultTags = try container.decodeIfPresent(Bool.self, forKey: .useAllDefaultTags) ?? true
        statsMatcher = try container.decodeIfPresent(StatsMatcher.self, forKey: .statsMatcher)
        if let buckets = try container.decodeIfPresent(Marked<ConfigNode>.self, forKey: .histogramBucketSettings) {
            throw ConfigError("'histogram_bucket_settings' is not supported by Relay", at: buckets.mark)
        }
    }
}

extension StatsConfig {
    /// `envoy.config.metrics.v3.TagSpecifier`: a tag from a regex over the stat name, or a
    /// fixed value on every stat. With neither, `tag_name` must be one of Envoy's defaults.
    public struct TagSpecifier: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.metrics.v3.TagSpecifier`.
        public static let configTypeName = "envoy.config.metrics.v3.TagSpecifier"

        /// Where the value comes from.
        public enum Value: Sendable, Hashable {
            /// `regex`: group 1 is removed from the name, group 2 (else 1) is the value.
            case regex(String)
            /// `fixed_value`.
            case fixed(String)
            /// Neither: Envoy's default rule of the same tag name.
            case defaultRule
        }

        /// `tag_name`.
        public var tagName: String
        /// The value source.
        public var value: Value
        /// Where the specifier starts.
        public var mark: Mark

        private enum CodingKeys: String, CodingKey {
            case tagName = "tag_name"
            case regex
            case fixedValue = "fixed_value"
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mark = decoder.configMark ?? .file("<unknown>")
            tagName = try container.decodeIfPresent(String.self, forKey: .tagName) ?? ""
            if tagName.isEmpty {
                throw ConfigError("tag_name cannot be empty", at: mark)
            }
            let regex = try container.decodeIfPresent(Marked<String>.self, forKey: .regex)
            let fixed = try container.decodeIfPresent(Marked<String>.self, forKey: .fixedValue)
            switch (regex, fixed) {
            case (let regex?, nil): value = regex.value.isEmpty ? .defaultRule : .regex(regex.value)
            case (nil, let fixed?): value = .fixed(fixed.value)
            case (nil, nil): value = .defaultRule
            case (_, let fixed?):
                throw ConfigError("only one of 'regex' and 'fixed_value' may be set", at: fixed.mark)
            }
        }
    }

    /// `envoy.config.metrics.v3.StatsMatcher`: `reject_all`, or an inclusion or exclusion list.
    public enum StatsMatcher: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.metrics.v3.StatsMatcher`.
        public static let configTypeName = "envoy.config.metrics.v3.StatsMatcher"

        /// `reject_all: true` (false keeps everything).
        case rejectAll(Bool)
        /// `exclusion_list`: stats matching any pattern are not created.
        case exclusionList([NameMatcher])
        /// `inclusion_list`: only stats matching a pattern are created.
        case inclusionList([NameMatcher])

        private enum CodingKeys: String, CodingKey {
            case rejectAll = "reject_all"
            case exclusionList = "exclusion_list"
            case inclusionList = "inclusion_list"
        }

        private enum ListKeys: String, CodingKey {
            case patterns
        }

        /// Decodes from YAML; exactly one of the three must be set.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let mark = decoder.configMark ?? .file("<unknown>")
            var found: [StatsMatcher] = []
            if let reject = try container.decodeIfPresent(Bool.self, forKey: .rejectAll) {
                found.append(.rejectAll(reject))
            }
            if container.contains(.exclusionList) {
                let list = try container.nestedContainer(keyedBy: ListKeys.self, forKey: .exclusionList)
                found.append(.exclusionList(try list.decodeIfPresent([NameMatcher].self, forKey: .patterns) ?? []))
            }
            if container.contains(.inclusionList) {
                let list = try container.nestedContainer(keyedBy: ListKeys.self, forKey: .inclusionList)
                found.append(.inclusionList(try list.decodeIfPresent([NameMatcher].self, forKey: .patterns) ?? []))
            }
            guard found.count == 1, let only = found.first else {
                throw ConfigError("stats_matcher needs exactly one of 'reject_all', 'exclusion_list' or 'inclusion_list'", at: mark)
            }
            self = only
        }
    }

    /// `envoy.type.matcher.v3.StringMatcher` as used on stat names: the same message (and
    /// decoder) as the unified matcher's `xds.type.matcher.v3.StringMatcher`.
    public typealias NameMatcher = MatcherStringMatcher
}
