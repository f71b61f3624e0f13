/// A TLS context could not be built from its configuration.
///
/// `fieldPath` names the offending configuration field the way Envoy spells it, for example
/// `common_tls_context.tls_certificates[0].private_key`; `message` says what is wrong and, when
/// OpenSSL rejected the input, ends with OpenSSL's own error text.
public struct TLSConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration field the error is about.
    public var fieldPath: String
    /// What went wrong, in words.
    public var message: String
    /// OpenSSL's error queue at the moment of failure (oldest first), possibly empty.
    public var openSSLErrors: [String]

    /// Creates an error.
    public init(fieldPath: String, message: String, openSSLErrors: [String] = []) {
        self.fieldPath = fieldPath
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    /// `fieldPath: message (OpenSSL: …)`.
    public var description: String {
        var text = "\(fieldPath): \(message)"
        if !openSSLErrors.isEmpty {
            text += " (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
        }
        return text
    }
}
