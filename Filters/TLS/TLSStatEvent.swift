/// One TLS statistic event, named as Envoy's `ssl.*` stats are. The transport socket turns each
/// event into a counter increment under `listener.<addr>.ssl.` or `cluster.<name>.ssl.`.
public enum TLSStatEvent: Hashable, Sendable, CustomStringConvertible {
    /// `handshake`: a handshake completed.
    case handshake
    /// `session_reused`: the handshake resumed a session.
    case sessionReused
    /// `no_certificate`: the handshake completed without a peer certificate.
    case noCertificate
    /// `connection_error`: the TLS connection failed for a reason not counted elsewhere.
    case connectionError
    /// `fail_verify_no_cert`: a required client certificate was not sent.
    case failVerifyNoCert
    /// `fail_verify_error`: the peer chain did not verify against the trusted CA.
    case failVerifyError
    /// `fail_verify_san`: no SAN matcher accepted the peer certificate.
    case failVerifySAN
    /// `fail_verify_cert_hash`: neither a certificate hash nor an SPKI hash matched.
    case failVerifyCertHash
    /// `versions.<version>`, e.g. `versions.TLSv1.3`.
    case version(String)
    /// `ciphers.<cipher>`, e.g. `ciphers.TLS_AES_128_GCM_SHA256`.
    case cipher(String)
    /// `curves.<curve>`, e.g. `curves.X25519`.
    case curve(String)

    /// The stat name below the `ssl.` prefix.
    public var statName: String {
        switch self {
        case .handshake: "handshake"
        case .sessionReused: "session_reused"
        case .noCertificate: "no_certificate"
        case .connectionError: "connection_error"
        case .failVerifyNoCert: "fail_verify_no_cert"
        case .failVerifyError: "fail_verify_error"
        case .failVerifySAN: "fail_verify_san"
        case .failVerifyCertHash: "fail_verify_cert_hash"
        case .version(let version): "versions.\(version)"
        case .cipher(let cipher): "ciphers.\(cipher)"
        case .curve(let curve): "curves.\(curve)"
        }
    }

    /// Same as ``statName``.
    public var description: String { statName }
}
