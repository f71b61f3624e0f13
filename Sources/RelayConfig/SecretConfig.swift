/// One entry of `static_resources.secrets` (`envoy.extensions.transport_sockets.tls.v3.Secret`):
/// a named TLS certificate or certificate validation context that TLS contexts reference by
/// name (`tls_certificate_sds_secret_configs`, `validation_context_sds_secret_config`).
///
/// The secret's body is kept as a node so that the TLS transport socket decodes it exactly as
/// it decodes an inline `tls_certificates` entry or `validation_context`, with the secret's own
/// marks in errors. `session_ticket_keys` and `generic_secret` are refused as not supported.
public struct SecretConfig: Sendable, Hashable, Decodable, ConfigTypeNaming {
    /// `envoy.extensions.transport_sockets.tls.v3.Secret`.
    public static let configTypeName = "envoy.extensions.transport_sockets.tls.v3.Secret"

    /// Which kind of secret an entry holds (the `type` oneof).
    public enum Kind: String, Sendable, Hashable {
        /// `tls_certificate` (`envoy.extensions.transport_sockets.tls.v3.TlsCertificate`).
        case tlsCertificate = "tls_certificate"
        /// `validation_context` (`envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext`).
        case validationContext = "validation_context"
    }

    /// `name`, the key TLS contexts reference.
    public var name: String
    /// Where the name is written (the entry's mark if absent).
    public var nameMark: Mark
    /// Which secret the entry holds.
    public var kind: Kind
    /// The `tls_certificate` or `validation_context` mapping, undecoded.
    public var body: ConfigNode
    /// Where the entry starts.
    public var mark: Mark

    /// Creates a secret directly.
    public init(name: String, kind: Kind, body: ConfigNode, mark: Mark) {
        self.name = name
        self.nameMark = mark
        self.kind = kind
        self.body = body
        self.mark = mark
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case tlsCertificate = "tls_certificate"
        case validationContext = "validation_context"
        case sessionTicketKeys = "session_ticket_keys"
        case genericSecret = "generic_secret"
    }

    /// Decodes from YAML; exactly one of `tls_certificate` and `validation_context` must be set.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mark = decoder.configMark ?? .file("<unknown>")
        let name = try container.decodeIfPresent(Marked<String>.self, forKey: .name)
        self.name = name?.value ?? ""
        nameMark = name?.mark ?? mark
        for key in [CodingKeys.sessionTicketKeys, .genericSecret] {
            if let unsupported = container.configKeyMark(forKey: key) {
                throw ConfigError("'\(key.stringValue)' is not supported by Relay", at: unsupported)
            }
        }
        var found: [(Kind, ConfigNode, Mark)] = []
        for (key, kind) in [(CodingKeys.tlsCertificate, Kind.tlsCertificate), (.validationContext, .validationContext)] {
            guard let body = try container.decodeIfPresent(ConfigNode.self, forKey: key), !body.isNull else { continue }
            guard body.mapping != nil else {
                throw ConfigError("expected a mapping for '\(key.stringValue)', found \(body.kindDescription)", at: body.mark)
            }
            found.append((kind, body, container.configKeyMark(forKey: key) ?? body.mark))
        }
        guard let first = found.first else {
            throw ConfigError(
                "secret '\(self.name)' needs one of 'tls_certificate' or 'validation_context'",
                at: nameMark
            )
        }
        if found.count > 1 {
            throw ConfigError(
                "'tls_certificate' and 'validation_context' are mutually exclusive in one secret (the 'type' oneof)",
                at: found[1].2
            )
        }
        kind = first.0
        body = first.1
    }
}
