/// What ``ClientHelloParser/parse(_:)-(ByteBuffer)`` found in the peeked bytes.
public enum ClientHelloParseResult: Sendable, Hashable {
    /// The bytes so far are a valid beginning of a ClientHello; peek more.
    case needMoreData
    /// The bytes are not TLS (plaintext, SSLv2, garbage): treat the connection as `raw_buffer`.
    case notTLS
    /// A complete ClientHello.
    case tls(ClientHelloInfo)
    /// The ClientHello exceeds `max_client_hello_size` (`client_hello_too_large`; close).
    case tooLarge
    /// The bytes look like TLS but the ClientHello is malformed. Envoy treats this as plaintext
    /// unless `close_connection_on_client_hello_parsing_errors` is set.
    case error(String)
}
