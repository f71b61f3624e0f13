/// What ``TLSConnection/readPlaintext(into:)`` found after appending all available plaintext.
public enum TLSReadStatus: Sendable, Hashable {
    /// Everything decryptable so far was appended; more needs bytes from the network.
    case needMoreData
    /// The peer sent close_notify: a clean end of stream.
    case closeNotify
    /// The network reached end of stream without close_notify (possible truncation).
    case uncleanEndOfStream
}
