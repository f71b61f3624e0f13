/// Envoy's `UpstreamTlsContext`: TLS origination towards a cluster.
public struct UpstreamTLSContext: Sendable, Hashable, Decodable {
    /// `common_tls_context`.
    public var commonTLSContext: CommonTLSContext
    /// Server name sent in the ClientHello (`sni`, ≤ 255 bytes); `nil` sends none.
    public var sni: String?
    /// Use the upstream host name as SNI (`auto_host_sni`); applied by the cluster, not here.
    public var autoHostSNI: Bool
    /// Also check the server certificate against the SNI (`auto_sni_san_validation`).
    public var autoSNISANValidation: Bool
    /// Allow the server to renegotiate (`allow_renegotiation`, default false).
    public var allowRenegotiation: Bool
    /// Sessions kept for resumption (`max_session_keys`, default 1; 0 disables resumption).
    public var maxSessionKeys: Int

    /// Creates a client TLS configuration.
    public init(
        commonTLSContext: CommonTLSContext = CommonTLSContext(),
        sni: String? = nil,
        autoHostSNI: Bool = false,
        autoSNISANValidation: Bool = false,
        allowRenegotiation: Bool = false,
        maxSessionKeys: Int = 1
    ) {
        self.commonTLSContext = commonTLSContext
        self.sni = sni
        self.autoHostSNI = autoHostSNI
        self.autoSNISANValidation = autoSNISANValidation
        self.allowRenegotiation = allowRenegotiation
        self.maxSessionKeys = maxSessionKeys
    }

    private enum CodingKeys: String, CodingKey {
        case commonTLSContext = "common_tls_context"
        case sni
        case autoHostSNI = "auto_host_sni"
        case autoSNISANValidation = "auto_sni_san_validation"
        case allowRenegotiation = "allow_renegotiation"
        case maxSessionKeys = "max_session_keys"
        case enforceRSAKeyUsage = "enforce_rsa_key_usage"
    }

    /// Decodes Envoy's `UpstreamTlsContext`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        commonTLSContext = try container.decodeIfPresent(CommonTLSContext.self, forKey: .commonTLSContext) ?? CommonTLSContext()
        let sni = try container.decodeIfPresent(String.self, forKey: .sni)
        if let sni, sni.utf8.count > 255 {
            throw DecodingError.dataCorruptedError(forKey: .sni, in: container, debugDescription: "sni is longer than 255 bytes")
        }
        self.sni = (sni?.isEmpty ?? true) ? nil : sni
        autoHostSNI = try container.decodeIfPresent(Bool.self, forKey: .autoHostSNI) ?? false
        autoSNISANValidation = try container.decodeIfPresent(Bool.self, forKey: .autoSNISANValidation) ?? false
        allowRenegotiation = try container.decodeIfPresent(Bool.self, forKey: .allowRenegotiation) ?? false
        maxSessionKeys = try container.decodeIfPresent(Int.self, forKey: .maxSessionKeys) ?? 1
        _ = try container.decodeIfPresent(Bool.self, forKey: .enforceRSAKeyUsage)
    }
}
