/// Why a TLS handshake (or a TLS connection after it) failed.
///
/// ``kind`` classifies the failure the way Envoy's stats do; ``statEvent`` is the counter to bump
/// (`nil` when Envoy counts nothing, e.g. the peer simply closed the TCP connection).
public struct TLSHandshakeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A failure class. New classes may be added, so switch with a default.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A required client certificate was not sent (`fail_verify_no_cert`).
        public static let noPeerCertificate = Kind("no peer certificate")
        /// The peer chain did not verify (`fail_verify_error`).
        public static let verifyError = Kind("certificate verification failed")
        /// No SAN matcher accepted the peer certificate (`fail_verify_san`).
        public static let subjectAltNameMismatch = Kind("subject alt name mismatch")
        /// No certificate or SPKI hash matched (`fail_verify_cert_hash`).
        public static let certificateHashMismatch = Kind("certificate hash mismatch")
        /// Any other TLS protocol failure, including alerts from the peer (`connection_error`).
        public static let protocolError = Kind("TLS protocol error")
        /// The network closed before the handshake finished (no stat).
        public static let endOfStream = Kind("connection closed during handshake")

        /// A human-readable name.
        public var description: String { name }
    }

    /// The failure class.
    public var kind: Kind
    /// What happened, including the X.509 verify reason or OpenSSL's error text.
    public var message: String
    /// OpenSSL's error queue at the failure (oldest first), possibly empty.
    public var openSSLErrors: [String]

    /// Creates an error.
    public init(kind: Kind, message: String, openSSLErrors: [String] = []) {
        self.kind = kind
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    /// The Envoy stat this failure counts towards, if any.
    public var statEvent: TLSStatEvent? {
        switch kind {
        case .noPeerCertificate: .failVerifyNoCert
        case .verifyError: .failVerifyError
        case .subjectAltNameMismatch: .failVerifySAN
        case .certificateHashMismatch: .failVerifyCertHash
        case .endOfStream: nil
        default: .connectionError
        }
    }

    /// `kind: message (OpenSSL: …)`.
    public var description: String {
        var text = "\(kind): \(message)"
        if !openSSLErrors.isEmpty { text += " (OpenSSL: \(openSSLErrors.joined(separator: "; ")))" }
        return text
    }
}
