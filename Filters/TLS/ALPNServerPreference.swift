internal import COpenSSL

/// The server's ALPN list, encoded once, and the selection rule: the server's own preference
/// order wins among the protocols the client offers; no overlap means no ALPN (the handshake
/// still succeeds, `SSL_TLSEXT_ERR_NOACK`, as in Envoy). Immutable; shared by all connections.
final class ALPNServerPreference: Sendable {
    let protocols: [[UInt8]]

    init(_ protocols: [String]) {
        self.protocols = protocols.map { Array($0.utf8) }
    }

    /// Wire format: each protocol prefixed by its one-byte length.
    static func wireFormat(_ protocols: [String]) -> [UInt8] {
        var wire: [UInt8] = []
        for name in protocols {
            wire.append(UInt8(name.utf8.count))
            wire.append(contentsOf: name.utf8)
        }
        return wire
    }

    /// Returns the offset and length, within `offer`, of the chosen protocol.
    func select(offer: UnsafeBufferPointer<UInt8>) -> (offset: Int, length: Int)? {
        for wanted in protocols {
            var index = 0
            while index < offer.count {
                let length = Int(offer[index])
                let start = index + 1
                guard start + length <= offer.count else { return nil }
                if length == wanted.count && offer[start..<(start + length)].elementsEqual(wanted) {
                    return (start, length)
                }
                index = start + length
            }
        }
        return nil
    }
}

/// The `SSL_CTX_set_alpn_select_cb` entry point. `arg` is the context's
/// ``ALPNServerPreference``, unretained (the ``TLSContext`` owns it and outlives its `SSL_CTX`).
func relayALPNSelectCallback(
    _ ssl: OpaquePointer?,
    _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?,
    _ offer: UnsafePointer<UInt8>?,
    _ offerLength: UInt32,
    _ arg: UnsafeMutableRawPointer?
) -> Int32 {
    guard let out, let outLength, let offer, let arg else { return SSL_TLSEXT_ERR_NOACK }
    let preference = Unmanaged<ALPNServerPreference>.fromOpaque(arg).takeUnretainedValue()
    guard let choice = preference.select(offer: UnsafeBufferPointer(start: offer, count: Int(offerLength))) else {
        return SSL_TLSEXT_ERR_NOACK
    }
    out.pointee = offer + choice.offset
    outLength.pointee = UInt8(choice.length)
    return SSL_TLSEXT_ERR_OK
}
