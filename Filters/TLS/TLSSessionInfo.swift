/// What a completed TLS handshake negotiated and who the peer is (Envoy's `Ssl::ConnectionInfo`).
///
/// Strings are empty and lists are empty when the information is absent.
public struct TLSSessionInfo: Sendable, Hashable {
    /// The negotiated ALPN protocol, or `nil` if none was agreed.
    public var negotiatedProtocol: String?
    /// The server name: on a server, what the ClientHello asked for; on a client, what it sent.
    public var serverName: String?
    /// `"TLSv1.2"` or `"TLSv1.3"`.
    public var tlsVersion: String
    /// The cipher suite name as OpenSSL spells it (e.g. `ECDHE-RSA-AES128-GCM-SHA256`,
    /// `TLS_AES_128_GCM_SHA256`).
    public var cipherSuite: String
    /// The IANA cipher suite number.
    public var cipherSuiteID: UInt16
    /// The key-exchange group (`X25519`, `P-256`, …), if known.
    public var curve: String?
    /// Whether the handshake resumed a session.
    public var sessionReused: Bool
    /// Whether the peer sent a certificate.
    public var peerCertificatePresented: Bool
    /// Whether the peer certificate was verified (trusted chain, or configured identity checks).
    public var peerCertificateValidated: Bool
    /// URI SANs of the peer certificate (SPIFFE identities).
    public var peerURISANs: [String]
    /// DNS SANs of the peer certificate.
    public var peerDNSSANs: [String]
    /// IP SANs of the peer certificate.
    public var peerIPSANs: [String]
    /// Email SANs of the peer certificate.
    public var peerEmailSANs: [String]
    /// RFC 2253 subject of the peer certificate.
    public var peerSubject: String
    /// RFC 2253 issuer of the peer certificate.
    public var peerIssuer: String
    /// Lowercase hex serial number of the peer certificate.
    public var peerSerialNumber: String
    /// Lowercase hex SHA-256 digest of the DER peer certificate.
    public var peerCertificateSHA256: String
    /// URI SANs of our own certificate.
    public var localURISANs: [String]
    /// DNS SANs of our own certificate.
    public var localDNSSANs: [String]
    /// RFC 2253 subject of our own certificate.
    public var localSubject: String
    /// The stat events of this handshake (`handshake`, `versions.*`, `ciphers.*`, `curves.*`,
    /// `no_certificate`, `session_reused`, and `fail_verify_error` for accepted untrusted chains).
    public var statEvents: [TLSStatEvent]

    /// Creates a session description (normally made by ``TLSConnection``).
    public init(
        negotiatedProtocol: String? = nil,
        serverName: String? = nil,
        tlsVersion: String = "",
        cipherSuite: String = "",
        cipherSuiteID: UInt16 = 0xFFFF,
        curve: String? = nil,
        sessionReused: Bool = false,
        peerCertificatePresented: Bool = false,
        peerCertificateValidated: Bool = false,
        peerURISANs: [String] = [],
        peerDNSSANs: [String] = [],
        peerIPSANs: [String] = [],
        peerEmailSANs: [String] = [],
        peerSubject: String = "",
        peerIssuer: String = "",
        peerSerialNumber: String = "",
        peerCertificateSHA256: String = "",
        localURISANs: [String] = [],
        localDNSSANs: [String] = [],
        localSubject: String = "",
        statEvents: [TLSStatEvent] = []
    ) {
        self.negotiatedProtocol = negotiatedProtocol
        self.serverName = serverName
        self.tlsVersion = tlsVersion
        self.cipherSuite = cipherSuite
        self.cipherSuiteID = cipherSuiteID
        self.curve = curve
        self.sessionReused = sessionReused
        self.peerCertificatePresented = peerCertificatePresented
        self.peerCertificateValidated = peerCertificateValidated
        self.peerURISANs = peerURISANs
        self.peerDNSSANs = peerDNSSANs
        self.peerIPSANs = peerIPSANs
        self.peerEmailSANs = peerEmailSANs
        self.peerSubject = peerSubject
        self.peerIssuer = peerIssuer
        self.peerSerialNumber = peerSerialNumber
        self.peerCertificateSHA256 = peerCertificateSHA256
        self.localURISANs = localURISANs
        self.localDNSSANs = localDNSSANs
        self.localSubject = localSubject
        self.statEvents = statEvents
    }
}
