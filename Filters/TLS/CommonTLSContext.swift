/// Envoy's `CommonTlsContext`: the settings shared by server and client TLS contexts.
public struct CommonTLSContext: Sendable, Hashable, Decodable {
    /// `tls_params`.
    public var tlsParams: TLSParameters
    /// `tls_certificates` (servers may have several of different key types; clients at most one).
    public var tlsCertificates: [TLSCertificate]
    /// `validation_context` (or `combined_validation_context.default_validation_context`).
    public var validationContext: CertificateValidationContext?
    /// `alpn_protocols`, in preference order; empty means no ALPN.
    public var alpnProtocols: [String]

    /// Creates a common context.
    public init(
        tlsParams: TLSParameters = TLSParameters(),
        tlsCertificates: [TLSCertificate] = [],
        validationContext: CertificateValidationContext? = nil,
        alpnProtocols: [String] = []
    ) {
        self.tlsParams = tlsParams
        self.tlsCertificates = tlsCertificates
        self.validationContext = validationContext
        self.alpnProtocols = alpnProtocols
    }

    private enum CodingKeys: String, CodingKey {
        case tlsParams = "tls_params"
        case tlsCertificates = "tls_certificates"
        case validationContext = "validation_context"
        case combinedValidationContext = "combined_validation_context"
        case alpnProtocols = "alpn_protocols"
    }

    private struct CombinedValidationContext: Decodable {
        var defaultValidationContext: CertificateValidationContext?
        private enum CodingKeys: String, CodingKey {
            case defaultValidationContext = "default_validation_context"
        }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            defaultValidationContext = try container.decodeIfPresent(
                CertificateValidationContext.self,
                forKey: .defaultValidationContext
            )
        }
    }

    /// Decodes Envoy's `common_tls_context`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tlsParams = try container.decodeIfPresent(TLSParameters.self, forKey: .tlsParams) ?? TLSParameters()
        tlsCertificates = try container.decodeIfPresent([TLSCertificate].self, forKey: .tlsCertificates) ?? []
        let plain = try container.decodeIfPresent(CertificateValidationContext.self, forKey: .validationContext)
        let combined = try container.decodeIfPresent(CombinedValidationContext.self, forKey: .combinedValidationContext)
        if plain != nil && combined != nil {
            throw DecodingError.dataCorruptedError(
                forKey: .combinedValidationContext,
                in: container,
                debugDescription: "validation_context and combined_validation_context are mutually exclusive"
            )
        }
        validationContext = plain ?? combined?.defaultValidationContext
        alpnProtocols = try container.decodeIfPresent([String].self, forKey: .alpnProtocols) ?? []
    }
}
