/// Envoy's `CertificateValidationContext`: how the peer's certificate is verified.
public struct CertificateValidationContext: Sendable, Hashable, Decodable {
    /// Whether chain verification failures reject the handshake.
    public enum TrustChainVerification: String, Sendable, Hashable, Decodable {
        /// Reject untrusted chains (default).
        case verifyTrustChain = "VERIFY_TRUST_CHAIN"
        /// Accept untrusted chains (still counted as `fail_verify_error`).
        case acceptUntrusted = "ACCEPT_UNTRUSTED"
    }

    /// PEM bundle of trusted CAs (`trusted_ca`); without it the peer chain is not verified.
    public var trustedCA: DataSource?
    /// Typed SAN matchers; the peer passes if any matches (`match_typed_subject_alt_names`).
    public var matchTypedSubjectAltNames: [SubjectAltNameMatcher]
    /// Deprecated type-less SAN matchers (`match_subject_alt_names`); any SAN type may match.
    public var matchSubjectAltNames: [StringMatcher]
    /// Accepted hex SHA-256 digests of the peer certificate (`verify_certificate_hash`).
    public var verifyCertificateHash: [String]
    /// Accepted base64 SHA-256 digests of the peer's SubjectPublicKeyInfo (`verify_certificate_spki`).
    public var verifyCertificateSPKI: [String]
    /// Accept expired peer certificates (`allow_expired_certificate`).
    public var allowExpiredCertificate: Bool
    /// `trust_chain_verification`.
    public var trustChainVerification: TrustChainVerification
    /// Maximum chain depth (`max_verify_depth`).
    public var maxVerifyDepth: Int?

    /// Creates a validation context.
    public init(
        trustedCA: DataSource? = nil,
        matchTypedSubjectAltNames: [SubjectAltNameMatcher] = [],
        matchSubjectAltNames: [StringMatcher] = [],
        verifyCertificateHash: [String] = [],
        verifyCertificateSPKI: [String] = [],
        allowExpiredCertificate: Bool = false,
        trustChainVerification: TrustChainVerification = .verifyTrustChain,
        maxVerifyDepth: Int? = nil
    ) {
        self.trustedCA = trustedCA
        self.matchTypedSubjectAltNames = matchTypedSubjectAltNames
        self.matchSubjectAltNames = matchSubjectAltNames
        self.verifyCertificateHash = verifyCertificateHash
        self.verifyCertificateSPKI = verifyCertificateSPKI
        self.allowExpiredCertificate = allowExpiredCertificate
        self.trustChainVerification = trustChainVerification
        self.maxVerifyDepth = maxVerifyDepth
    }

    private enum CodingKeys: String, CodingKey {
        case trustedCA = "trusted_ca"
        case matchTypedSubjectAltNames = "match_typed_subject_alt_names"
        case matchSubjectAltNames = "match_subject_alt_names"
        case verifyCertificateHash = "verify_certificate_hash"
        case verifyCertificateSPKI = "verify_certificate_spki"
        case allowExpiredCertificate = "allow_expired_certificate"
        case trustChainVerification = "trust_chain_verification"
        case maxVerifyDepth = "max_verify_depth"
    }

    /// Decodes Envoy's `validation_context`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        trustedCA = try container.decodeIfPresent(DataSource.self, forKey: .trustedCA)
        matchTypedSubjectAltNames =
            try container.decodeIfPresent([SubjectAltNameMatcher].self, forKey: .matchTypedSubjectAltNames) ?? []
        matchSubjectAltNames = try container.decodeIfPresent([StringMatcher].self, forKey: .matchSubjectAltNames) ?? []
        verifyCertificateHash = try container.decodeIfPresent([String].self, forKey: .verifyCertificateHash) ?? []
        verifyCertificateSPKI = try container.decodeIfPresent([String].self, forKey: .verifyCertificateSPKI) ?? []
        allowExpiredCertificate = try container.decodeIfPresent(Bool.self, forKey: .allowExpiredCertificate) ?? false
        trustChainVerification =
            try container.decodeIfPresent(TrustChainVerification.self, forKey: .trustChainVerification) ?? .verifyTrustChain
        maxVerifyDepth = try container.decodeIfPresent(Int.self, forKey: .maxVerifyDepth)
    }

    /// Whether any SAN, hash or SPKI check is configured.
    var hasPeerIdentityChecks: Bool {
        !matchTypedSubjectAltNames.isEmpty || !matchSubjectAltNames.isEmpty || !verifyCertificateHash.isEmpty
            || !verifyCertificateSPKI.isEmpty
    }
}
