/// `xds.core.v3.TypedExtensionConfig` / `envoy.config.core.v3.TypedExtensionConfig`: a `name`
/// and a `typed_config`, as matcher inputs, actions and custom matchers are written.
struct MatcherTypedExtension: Sendable, Hashable, Decodable, ConfigTypeNaming {
    static let configTypeName = "envoy.config.core.v3.TypedExtensionConfig"

    /// `name` (required, as in Envoy).
    var name: String
    /// `typed_config` (required).
    var typedConfig: TypedConfig
    /// Where the extension starts.
    var mark: Mark

    private enum CodingKeys: String, CodingKey {
        case name
        case typedConfig = "typed_config"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        if name.isEmpty {
            throw ConfigError("a TypedExtensionConfig needs a non-empty 'name'", at: mark)
        }
        guard let typed = try container.decodeIfPresent(TypedConfig.self, forKey: .typedConfig) else {
            throw ConfigError("'\(name)' needs a 'typed_config' with an '@type'", at: mark)
        }
        typedConfig = typed
    }
}
