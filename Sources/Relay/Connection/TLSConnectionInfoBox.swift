/// Holds a ``TLSConnectionInfo`` out of line. Connections and stream infos keep one of these
/// (8 bytes, nil for plaintext) instead of the ~140-byte optional struct: every proxied
/// connection has two of each, most carry no TLS, and idle connections are what a sidecar
/// holds by the thousand.
///
/// - Note: Immutable; replaced, never changed.
final class TLSConnectionInfoBox {
    let info: TLSConnectionInfo

    init(_ info: TLSConnectionInfo) {
        self.info = info
    }
}

@available(*, unavailable)
extension TLSConnectionInfoBox: Sendable {}
