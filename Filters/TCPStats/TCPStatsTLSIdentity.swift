/// The identities a TLS connection carries, as the stats filter needs them: the URI SANs of
/// the peer's and of our own certificate (SPIFFE IDs in Istio).
///
/// Pass `nil` instead of a value for a plaintext connection.
public struct TCPStatsTLSIdentity: Hashable, Sendable {
    /// URI SANs of the certificate the peer presented (empty if it presented none).
    public var peerURISANs: [String]
    /// URI SANs of our own certificate.
    public var localURISANs: [String]
    /// Whether the peer presented a certificate (CEL `connection.mtls`).
    public var peerCertificatePresented: Bool

    /// Creates a TLS identity; `peerCertificatePresented` defaults to "the peer has URI SANs".
    public init(peerURISANs: [String] = [], localURISANs: [String] = [], peerCertificatePresented: Bool? = nil) {
        self.peerURISANs = peerURISANs
        self.localURISANs = localURISANs
        self.peerCertificatePresented = peerCertificatePresented ?? !peerURISANs.isEmpty
    }
}
