/// Envoy's `DownstreamTlsContext`: TLS termination for a listener filter chain.
public struct DownstreamTLSContext: Sendable, Hashable, Decodable {
    /// `common_tls_context`.
    public var commonTLSContext: CommonTLSContext
    /// Reject clients without a valid certificate (`require_client_certificate`, default false).
    public var requireClientCertificate: Bool
    /// `require_sni` (accepted; Envoy itself does not enforce it).
    public var requireSNI: Bool
    /// Session lifetime for resumption (`session_timeout`); `nil` keeps OpenSSL's default.
    public var sessionTimeout: Duration?
    /// Turn off session tickets (`disable_stateless_session_resumption`).
    public var disableStatelessSessionResumption: Bool
    /// Turn off the server-side session cache (`disable_stateful_session_resumption`).
    public var disableStatefulSessionResumption: Bool
    /// Let the client's cipher order win (`prefer_client_ciphers`, default false).
    public var preferClientCiphers: Bool

    /// Creates a server TLS configuration.
    public init(
        commonTLSContext: CommonTLSContext,
        requireClientCertificate: Bool = false,
        requireSNI: Bool = false,
        sessionTimeout: Duration? = nil,
        disableStatelessSessionResumption: Bool = false,
        disableStatefulSessionResumption: Bool = false,
        preferClientCiphers: Bool = false
    ) {
        self.commonTLSContext = commonTLSContext
        self.requireClientCertificate = requireClientCertificate
        self.requireSNI = requireSNI
        self.sessionTimeout = sessionTimeout
        self.disableStatelessSessionResumption = disableStatelessSessionResumption
        self.disableStatefulSessionResumption = disableStatefulSessionResumption
        self.preferClientCiphers = preferClientCiphers
    }

    private enum CodingKeys: String, CodingKey {
        case commonTLSContext = "common_tls_context"
        case requireClientCertificate = "require_client_certificate"
        case requireSNI = "require_sni"
        case sessionTimeout = "session_timeout"
        case disableStatelessSessionResumption = "disable_stateless_session_resumption"
        case disableStatefulSessionResumption = "disable_stateful_session_resumption"
        case preferClientCiphers = "prefer_client_ciphers"
        case ocspStaplePolicy = "ocsp_staple_policy"
        case fullScanCertsOnSNIMismatch = "full_scan_certs_on_sni_mismatch"
    }

    /// Decodes Envoy's `DownstreamTlsContext`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        commonTLSContext = try container.decodeIfPresent(CommonTLSContext.self, forKey: .commonTLSContext) ?? CommonTLSContext()
        requireClientCertificate = try container.decodeIfPresent(Bool.self, forKey: .requireClientCertificate) ?? false
        requireSNI = try container.decodeIfPresent(Bool.self, forKey: .requireSNI) ?? false
        if let text = try container.decodeIfPresent(String.self, forKey: .sessionTimeout) {
            guard let duration = ProtobufDuration.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .sessionTimeout,
                    in: container,
                    debugDescription: "session_timeout '\(text)' is not a duration like \"300s\""
                )
            }
            sessionTimeout = duration
        } else {
            sessionTimeout = nil
        }
        disableStatelessSessionResumption =
            try container.decodeIfPresent(Bool.self, forKey: .disableStatelessSessionResumption) ?? false
        disableStatefulSessionResumption =
            try container.decodeIfPresent(Bool.self, forKey: .disableStatefulSessionResumption) ?? false
        preferClientCiphers = try container.decodeIfPresent(Bool.self, forKey: .preferClientCiphers) ?? false
        // Accepted for compatibility; OCSP stapling and multi-cert SNI scans are not implemented.
        _ = try container.decodeIfPresent(String.self, forKey: .ocspStaplePolicy)
        _ = try container.decodeIfPresent(Bool.self, forKey: .fullScanCertsOnSNIMismatch)
    }
}

/// Parses protobuf JSON durations (`"300s"`, `"0.25s"`), at most protobuf's 315,576,000,000 s
/// (anything larger, e.g. `"1e300s"`, would trap converting to milliseconds).
enum ProtobufDuration {
    static let maxSeconds: Double = 315_576_000_000

    static func parse(_ text: String) -> Duration? {
        guard text.hasSuffix("s"), let seconds = Double(text.dropLast()), seconds >= 0, seconds <= maxSeconds else {
            return nil
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
