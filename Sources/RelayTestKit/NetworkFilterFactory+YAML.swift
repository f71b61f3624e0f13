import Relay
import RelayConfig

extension NetworkFilterFactory {
    /// Decodes this filter's config from a YAML snippet (the body of `typed_config`, without
    /// `@type`) with the same decoder the server uses: snake_case or lowerCamelCase keys,
    /// unknown fields are errors, every error names `fileName:line:col`.
    ///
    /// ```swift
    /// let config = try TCPProxyFilter.Factory().decodeConfig(yaml: "stat_prefix: front\ncluster: backend")
    /// ```
    /// - Throws: `ConfigError`.
    public func decodeConfig(yaml: String, fileName: String = "test.yaml") throws -> Config {
        try ConfigDecoder().decode(Config.self, yaml: yaml, fileName: fileName)
    }

    /// Decodes the config from `yaml` (see ``decodeConfig(yaml:fileName:)``) and prepares it.
    public func prepare(yaml: String, context: FactoryContext, fileName: String = "test.yaml") throws -> Prepared {
        try prepare(decodeConfig(yaml: yaml, fileName: fileName), context: context)
    }
}
