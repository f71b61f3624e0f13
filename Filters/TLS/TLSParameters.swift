/// Envoy's `TlsParameters`: protocol versions, cipher suites, curves and signature algorithms.
public struct TLSParameters: Sendable, Hashable, Decodable {
    /// Lowest version accepted (`tls_minimum_protocol_version`); `TLS_AUTO` means TLS 1.2.
    public var minimumProtocolVersion: TLSProtocolVersion
    /// Highest version accepted (`tls_maximum_protocol_version`); `TLS_AUTO` means TLS 1.2 for
    /// clients and TLS 1.3 for servers.
    public var maximumProtocolVersion: TLSProtocolVersion
    /// TLS ≤ 1.2 cipher suites in preference order; BoringSSL's `[A|B]` equal-preference groups
    /// are accepted and flattened. Empty means Envoy's default list.
    public var cipherSuites: [String]
    /// Key-exchange groups in preference order; empty means `X25519`, `P-256`.
    public var ecdhCurves: [String]
    /// Signature algorithms; empty means OpenSSL's defaults.
    public var signatureAlgorithms: [String]

    /// Creates parameters (all defaults unless given).
    public init(
        minimumProtocolVersion: TLSProtocolVersion = .auto,
        maximumProtocolVersion: TLSProtocolVersion = .auto,
        cipherSuites: [String] = [],
        ecdhCurves: [String] = [],
        signatureAlgorithms: [String] = []
    ) {
        self.minimumProtocolVersion = minimumProtocolVersion
        self.maximumProtocolVersion = maximumProtocolVersion
        self.cipherSuites = cipherSuites
        self.ecdhCurves = ecdhCurves
        self.signatureAlgorithms = signatureAlgorithms
    }

    private enum CodingKeys: String, CodingKey {
        case minimumProtocolVersion = "tls_minimum_protocol_version"
        case maximumProtocolVersion = "tls_maximum_protocol_version"
        case cipherSuites = "cipher_suites"
        case ecdhCurves = "ecdh_curves"
        case signatureAlgorithms = "signature_algorithms"
    }

    /// Decodes Envoy's `tls_params`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        minimumProtocolVersion = try container.decodeIfPresent(TLSProtocolVersion.self, forKey: .minimumProtocolVersion) ?? .auto
        maximumProtocolVersion = try container.decodeIfPresent(TLSProtocolVersion.self, forKey: .maximumProtocolVersion) ?? .auto
        cipherSuites = try container.decodeIfPresent([String].self, forKey: .cipherSuites) ?? []
        ecdhCurves = try container.decodeIfPresent([String].self, forKey: .ecdhCurves) ?? []
        signatureAlgorithms = try container.decodeIfPresent([String].self, forKey: .signatureAlgorithms) ?? []
    }

    /// Envoy's default (non-FIPS) cipher list.
    public static let defaultCipherSuites: [String] = [
        "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]",
        "[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
    ]

    /// Envoy's default key-exchange groups.
    public static let defaultECDHCurves: [String] = ["X25519", "P-256"]
}
