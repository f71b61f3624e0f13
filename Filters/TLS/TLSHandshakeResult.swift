/// Progress of ``TLSConnection/handshake()``.
///
/// After every result, send whatever ``TLSConnection/takeCiphertext()`` returns (a failed
/// handshake usually leaves an alert to send before closing).
public enum TLSHandshakeResult: Sendable {
    /// The handshake waits for more bytes from the peer.
    case needsMoreData
    /// The handshake finished. Application data may already be buffered: call
    /// ``TLSConnection/readPlaintext(into:)`` next.
    case completed(TLSSessionInfo)
    /// The handshake failed; the connection is unusable.
    case failed(TLSHandshakeError)
}
