internal import COpenSSL
import Foundation

/// The SAN entries and identity facts of one X.509 certificate, read once.
struct SubjectAltNames: Sendable, Hashable {
    var dns: [String] = []
    var uri: [String] = []
    var email: [String] = []
    var ip: [String] = []

    /// Reads the subjectAltName extension of `cert` (an `X509 *`, borrowed).
    init(certificate cert: OpaquePointer) {
        guard let names = relay_X509_get_subject_alt_names(cert) else { return }
        defer { relay_GENERAL_NAMES_free(names) }
        for index in 0..<relay_sk_GENERAL_NAME_num(names) {
            guard let name = relay_sk_GENERAL_NAME_value(names, index),
                let string = relay_GENERAL_NAME_string(name),
                let bytes = ASN1_STRING_get0_data(string)
            else { continue }
            let buffer = UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(string)))
            switch relay_GENERAL_NAME_type(name) {
            case GEN_DNS: dns.append(String(decoding: buffer, as: UTF8.self))
            case GEN_URI: uri.append(String(decoding: buffer, as: UTF8.self))
            case GEN_EMAIL: email.append(String(decoding: buffer, as: UTF8.self))
            case GEN_IPADD:
                if let text = Self.formatIP(Array(buffer)) { ip.append(text) }
            default: break
            }
        }
    }

    init() {}

    /// Text form of a 4- or 16-byte IP address (RFC 5952 for IPv6).
    static func formatIP(_ bytes: [UInt8]) -> String? {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &text, socklen_t(text.count)) }
        guard ok != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Facts about one certificate that the session info and the verifier need.
enum X509Facts {
    /// RFC 2253 subject (or issuer) name of `cert`.
    static func subject(_ cert: OpaquePointer, issuer: Bool = false) -> String {
        guard let name = issuer ? X509_get_issuer_name(cert) : X509_get_subject_name(cert),
            let bio = BIO_new(BIO_s_mem())
        else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, relay_XN_FLAG_RFC2253()) >= 0 else { return "" }
        return memoryBIOString(bio)
    }

    /// Lowercase hex serial number.
    static func serialNumber(_ cert: OpaquePointer) -> String {
        guard let serial = X509_get0_serialNumber(cert), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { relay_OPENSSL_free(hex) }
        return String(cString: hex).lowercased()
    }

    /// SHA-256 of the DER certificate.
    static func sha256(_ cert: OpaquePointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(cert, EVP_sha256(), &digest, &length) == 1 else { return [] }
        return Array(digest.prefix(Int(length)))
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo.
    static func spkiSHA256(_ cert: OpaquePointer) -> [UInt8] {
        guard let key = X509_get0_pubkey(cert) else { return [] }
        var der: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(key, &der)
        guard length > 0, let der else { return [] }
        defer { relay_OPENSSL_free(der) }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        guard EVP_Digest(der, Int(length), &digest, &digestLength, EVP_sha256(), nil) == 1 else { return [] }
        return Array(digest.prefix(Int(digestLength)))
    }

    /// The contents of a memory BIO as text.
    static func memoryBIOString(_ bio: OpaquePointer) -> String {
        var data: UnsafeMutablePointer<CChar>?
        let length = relay_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hex.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
