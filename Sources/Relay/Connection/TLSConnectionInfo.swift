/// What the TLS handshake established, as filters see it (Envoy's `Ssl::ConnectionInfo`).
/// Empty strings and lists mean "absent".
public struct TLSConnectionInfo: Sendable, Hashable {
    /// The negotiated ALPN protocol, or "".
    public var alpn: String
    /// The server name (SNI): what the client sent / what the server received.
    public var serverName: String
    /// "TLSv1.2" or "TLSv1.3".
    public var version: String
    /// The cipher suite's OpenSSL name.
    public var cipher: String
    /// Whether the peer presented a certificate.
    public var peerCertificatePresented: Bool
    /// Whether the peer's certificate was verified against the trusted CA.
    public var peerCertificateValidated: Bool
    /// URI SANs of the peer certificate (SPIFFE identities).
    public var peerURISANs: [String]
    /// DNS SANs of the peer certificate.
    public var peerDNSSANs: [String]
    /// The peer certificate's subject, RFC 2253.
    public var peerSubject: String
    /// Hex SHA-256 digest of the peer certificate.
    public var peerCertificateSHA256: String
    /// URI SANs of the local certificate.
    public var localURISANs: [String]
    /// DNS SANs of the local certificate.
    public var localDNSSANs: [String]

    /// Creates a TLS description; everything defaults to absent.
    public init(
        alpn: String = "",
        serverName: String = "",
        version: String = "",
        cipher: String = "",
        peerCertificatePresented: Bool = false,
        peerCertificateValidated: Bool = false,
        peerURISANs: [String] = [],
        peerDNSSANs: [String] = [],
        peerSubject: String = "",
        peerCertificateSHA256: String = "",
        localURISANs: [String] = [],
        localDNSSANs: [String] = []
    ) {
        self.alpn = alpn
        self.serverName = serverName
        self.version = version
        self.cipher = cipher
        self.peerCertificatePresented = peerCertificatePresented
        self.peerCertificateValidated = peerCertificateValidated
        self.peerURISANs = peerURISANs
        self.peerDNSSANs = peerDNSSANs
        self.peerSubject = peerSubject
        self.peerCertificateSHA256 = peerCertificateSHA256
        self.localURISANs = localURISANs
        self.localDNSSANs = localDNSSANs
    }
}
