internal import COpenSSL

/// PEM parsing into owned OpenSSL objects. Callers free what they get back.
enum PEM {
    /// Every certificate in `pem` (`X509 *`, owned by the caller), in order; at least one.
    static func certificates(_ pem: [UInt8], fieldPath: String) throws -> [OpaquePointer] {
        OpenSSLErrorQueue.clear()
        var certificates: [OpaquePointer] = []
        pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(certificate)
            }
        }
        // Reading stops with "no start line" at the end of the input; that is not an error.
        let errors = OpenSSLErrorQueue.drainTexts()
        guard !certificates.isEmpty else {
            throw TLSConfigurationError(
                fieldPath: fieldPath,
                message: "no PEM certificate could be read",
                openSSLErrors: errors
            )
        }
        return certificates
    }

    /// The private key in `pem` (`EVP_PKEY *`, owned by the caller), decrypted with `password`.
    static func privateKey(_ pem: [UInt8], password: [UInt8], fieldPath: String) throws -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        // A NUL-terminated passphrase is always passed (empty when none is configured) so that
        // OpenSSL never falls back to prompting on a terminal.
        var passphrase = password.map { CChar(bitPattern: $0) }
        passphrase.append(0)
        let key: OpaquePointer? = pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return passphrase.withUnsafeMutableBytes { PEM_read_bio_PrivateKey(bio, nil, nil, $0.baseAddress) }
        }
        guard let key else {
            throw TLSConfigurationError(
                fieldPath: fieldPath,
                message: password.isEmpty
                    ? "cannot read the private key (not PEM, or encrypted without a password)"
                    : "cannot read the private key (not PEM, or wrong password)",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        return key
    }
}
