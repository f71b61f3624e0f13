/// A reference to a secret by name (`envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig`),
/// as written in `tls_certificate_sds_secret_configs` and `validation_context_sds_secret_config`.
///
/// Relay resolves references against `static_resources.secrets` at load, as Envoy does for a
/// reference without `sds_config`. An `sds_config` (a secret fetched from an SDS server) is
/// refused as not supported.
public struct SdsSecretConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig`.
    public static let configTypeName = "envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig"

    /// `name`, the referenced secret's name.
    public var name: String
    /// Where the name is written.
    public var nameMark: Mark

    /// Creates a reference directly.
    public init(name: String, mark: Mark) {
        self.name = name
        self.nameMark = mark
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case sdsConfig = "sds_config"
    }

    /// Decodes from YAML; `name` must not be empty and `sds_config` is refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let mark = decoder.configMark ?? .file("<unknown>")
        if let sds = container.configKeyMark(forKey: .sdsConfig) {
            throw ConfigError(
                "'sds_config' is not supported by Relay; declare the secret in static_resources.secrets and reference it by name only",
                at: sds
            )
        }
        let name = try container.decodeIfPresent(Marked<String>.self, forKey: .name)
        guard let name, !name.value.isEmpty else {
            throw ConfigError("'name' must not be empty", at: name?.mark ?? mark)
        }
        self.name = name.value
        self.nameMark = name.mark
    }
}
