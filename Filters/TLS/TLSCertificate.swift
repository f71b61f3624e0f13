import Relay

/// Envoy's `TlsCertificate`: a PEM certificate chain and its private key.
public struct TLSCertificate: Sendable, Hashable, Decodable {
    /// The PEM chain, leaf first (`certificate_chain`).
    public var certificateChain: DataSource?
    /// The PEM private key (`private_key`).
    public var privateKey: DataSource?
    /// The key's passphrase, if it is encrypted (`password`).
    public var password: DataSource?

    /// Creates a certificate entry.
    public init(certificateChain: DataSource?, privateKey: DataSource?, password: DataSource? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.password = password
    }

    private enum CodingKeys: String, CodingKey {
        case certificateChain = "certificate_chain"
        case privateKey = "private_key"
        case password
        case ocspStaple = "ocsp_staple"
        case pkcs12, watchedDirectory = "watched_directory", privateKeyProvider = "private_key_provider"
        case signedCertificateTimestamp = "signed_certificate_timestamp"
    }

    /// Decodes `{certificate_chain, private_key, password}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.refuseUnsupported([.ocspStaple, .pkcs12, .watchedDirectory, .privateKeyProvider, .signedCertificateTimestamp])
        certificateChain = try container.decodeIfPresent(DataSource.self, forKey: .certificateChain)
        privateKey = try container.decodeIfPresent(DataSource.self, forKey: .privateKey)
        password = try container.decodeIfPresent(DataSource.self, forKey: .password)
    }
}
