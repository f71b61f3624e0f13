internal import COpenSSL
import Foundation
import RelayValues

/// Per-connection verification outcome, written by the certificate-verify callback.
///
/// Owned by one ``TLSConnection`` and touched only on that connection's thread (the callback runs
/// inside `SSL_do_handshake`), hence not `Sendable`.
final class VerificationState {
    var peerValidated = false
    var failure: TLSHandshakeError?
    var events: [TLSStatEvent] = []
}

@available(*, unavailable)
extension VerificationState: Sendable {}

/// Envoy's default certificate validator: chain verification against the trusted CA, then SAN,
/// certificate-hash and SPKI checks. Immutable after init; shared by all connections of a context.
final class CertificateVerifier: Sendable {
    let hasTrustedCA: Bool
    let allowExpired: Bool
    let acceptUntrusted: Bool
    let typedMatchers: [SubjectAltNameMatcher]
    let legacyMatchers: [StringMatcher]
    let certificateHashes: Set<[UInt8]>
    let spkiHashes: Set<[UInt8]>

    init(validation: CertificateValidationContext?, fieldPath: String) throws {
        hasTrustedCA = validation?.trustedCA != nil
        allowExpired = validation?.allowExpiredCertificate ?? false
        acceptUntrusted = validation?.trustChainVerification == .acceptUntrusted
        typedMatchers = validation?.matchTypedSubjectAltNames ?? []
        legacyMatchers = validation?.matchSubjectAltNames ?? []
        var hashes = Set<[UInt8]>()
        for (index, text) in (validation?.verifyCertificateHash ?? []).enumerated() {
            guard let bytes = Self.parseHex(text), bytes.count == 32 else {
                throw TLSConfigurationError(
                    fieldPath: "\(fieldPath).verify_certificate_hash[\(index)]",
                    message: "'\(text)' is not a hex SHA-256 digest"
                )
            }
            hashes.insert(bytes)
        }
        certificateHashes = hashes
        var spkis = Set<[UInt8]>()
        for (index, text) in (validation?.verifyCertificateSPKI ?? []).enumerated() {
            guard let data = Data(base64Encoded: text), data.count == 32 else {
                throw TLSConfigurationError(
                    fieldPath: "\(fieldPath).verify_certificate_spki[\(index)]",
                    message: "'\(text)' is not a base64 SHA-256 digest"
                )
            }
            spkis.insert(Array(data))
        }
        spkiHashes = spkis
        if !hasTrustedCA && !(typedMatchers.isEmpty && legacyMatchers.isEmpty) {
            throw TLSConfigurationError(
                fieldPath: fieldPath,
                message: "SAN-based verification of peer certificates without trusted CA is insecure and not allowed"
            )
        }
    }

    /// Whether the server should ask for a client certificate.
    var wantsPeerCertificate: Bool {
        hasTrustedCA || !typedMatchers.isEmpty || !legacyMatchers.isEmpty || !certificateHashes.isEmpty
            || !spkiHashes.isEmpty
    }

    /// Verifies the chain in `storeContext` (an `X509_STORE_CTX *`). Returns whether to accept.
    func verify(storeContext: OpaquePointer, state: VerificationState) -> Bool {
        guard let leaf = X509_STORE_CTX_get0_cert(storeContext) else {
            state.failure = TLSHandshakeError(kind: .noPeerCertificate, message: "peer sent no certificate")
            return false
        }
        var validated = false
        if hasTrustedCA {
            if allowExpired {
                X509_STORE_CTX_set_verify_cb(storeContext, ignoreExpiryCallback)
            }
            if X509_verify_cert(storeContext) == 1 {
                validated = true
            } else {
                let code = X509_STORE_CTX_get_error(storeContext)
                let reason = String(cString: X509_verify_cert_error_string(Int(code)))
                state.events.append(.failVerifyError)
                if !acceptUntrusted {
                    state.failure = TLSHandshakeError(kind: .verifyError, message: "certificate verify failed: \(reason)")
                    return false
                }
                X509_STORE_CTX_set_error(storeContext, X509_V_OK)
            }
        }
        if !typedMatchers.isEmpty || !legacyMatchers.isEmpty {
            let names = SubjectAltNames(certificate: leaf)
            let typedOK = typedMatchers.contains { $0.matches(names) }
            let legacyOK = legacyMatchers.contains { matcher in
                names.dns.contains { SubjectAltNameMatcher.dnsMatches(san: $0, matcher: matcher) }
                    || names.uri.contains { matcher.matches($0) }
                    || names.email.contains { matcher.matches($0) }
                    || names.ip.contains { matcher.matches($0) }
            }
            guard typedOK || legacyOK else {
                state.events.append(.failVerifySAN)
                let all = names.uri + names.dns + names.email + names.ip
                state.failure = TLSHandshakeError(
                    kind: .subjectAltNameMismatch,
                    message: "no subject alt name matched; peer has [\(all.joined(separator: ", "))]"
                )
                X509_STORE_CTX_set_error(storeContext, X509_V_ERR_APPLICATION_VERIFICATION)
                return false
            }
            validated = true
        }
        if !certificateHashes.isEmpty || !spkiHashes.isEmpty {
            let hashOK = !certificateHashes.isEmpty && certificateHashes.contains(X509Facts.sha256(leaf))
            let spkiOK = !hashOK && !spkiHashes.isEmpty && spkiHashes.contains(X509Facts.spkiSHA256(leaf))
            guard hashOK || spkiOK else {
                state.events.append(.failVerifyCertHash)
                state.failure = TLSHandshakeError(
                    kind: .certificateHashMismatch,
                    message: "peer certificate hash \(X509Facts.sha256(leaf).hexString) matches no configured hash or SPKI"
                )
                X509_STORE_CTX_set_error(storeContext, X509_V_ERR_APPLICATION_VERIFICATION)
                return false
            }
            validated = true
        }
        state.peerValidated = validated
        return true
    }

    /// Hex digest, colons allowed (`AB:CD…` or `abcd…`).
    static func parseHex(_ text: String) -> [UInt8]? {
        Hex.decode(text, ignoring: [UInt8(ascii: ":")])
    }
}

/// `allow_expired_certificate`: treat expired / not-yet-valid errors as success.
private func ignoreExpiryCallback(_ ok: Int32, _ storeContext: OpaquePointer?) -> Int32 {
    if ok == 1 { return 1 }
    let code = X509_STORE_CTX_get_error(storeContext)
    if code == X509_V_ERR_CERT_HAS_EXPIRED || code == X509_V_ERR_CERT_NOT_YET_VALID {
        X509_STORE_CTX_set_error(storeContext, X509_V_OK)
        return 1
    }
    return ok
}

/// The `SSL_CTX_set_cert_verify_callback` entry point.
///
/// `arg` is the context's ``CertificateVerifier``, passed unretained: the ``TLSContext`` owns both
/// the verifier and the `SSL_CTX` and frees the `SSL_CTX` first. The connection's
/// ``VerificationState`` is reached through the SSL's app data, also unretained (the
/// ``TLSConnection`` owns both it and the `SSL`).
func relayCertificateVerifyCallback(_ storeContext: OpaquePointer?, _ arg: UnsafeMutableRawPointer?) -> Int32 {
    guard let storeContext, let arg,
        let ssl = X509_STORE_CTX_get_ex_data(storeContext, SSL_get_ex_data_X509_STORE_CTX_idx()),
        let statePointer = relay_SSL_get_app_data(OpaquePointer(ssl))
    else { return 0 }
    let verifier = Unmanaged<CertificateVerifier>.fromOpaque(arg).takeUnretainedValue()
    let state = Unmanaged<VerificationState>.fromOpaque(statePointer).takeUnretainedValue()
    return verifier.verify(storeContext: storeContext, state: state) ? 1 : 0
}
