import NIOCore

/// An IPv4 or IPv6 address as two big-endian 64-bit words, read from a socket address
/// without allocating (IPv4 in the low 32 bits of ``low``). For per-connection matching.
struct IPAddressValue: Hashable, Sendable {
    let isIPv6: Bool
    let high: UInt64
    let low: UInt64

    init(isIPv6: Bool, high: UInt64, low: UInt64) {
        self.isIPv6 = isIPv6
        self.high = high
        self.low = low
    }

    /// The address of an IP socket address; nil for anything else. `sockaddr_in` keeps the
    /// address at byte offset 4 (4 bytes), `sockaddr_in6` at offset 8 (16 bytes).
    init?(_ address: SocketAddress?) {
        guard let address else { return nil }
        switch address {
        case .v4:
            let low = address.withSockAddr { pointer, _ in Self.word(UnsafeRawPointer(pointer), from: 4, count: 4) }
            self.init(isIPv6: false, high: 0, low: low)
        case .v6:
            let (high, low) = address.withSockAddr { pointer, _ in
                (Self.word(UnsafeRawPointer(pointer), from: 8, count: 8), Self.word(UnsafeRawPointer(pointer), from: 16, count: 8))
            }
            self.init(isIPv6: true, high: high, low: low)
        default:
            return nil
        }
    }

    /// `count` bytes at `offset` as a big-endian number.
    private static func word(_ raw: UnsafeRawPointer, from offset: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + count) { value = value << 8 | UInt64(raw.load(fromByteOffset: index, as: UInt8.self)) }
        return value
    }

    /// `127.0.0.0/8`, `::1`, or IPv4-mapped `::ffff:127.x.x.x`.
    var isLoopback: Bool {
        if !isIPv6 { return low >> 24 == 127 }
        if high == 0 && low == 1 { return true }
        return high == 0 && low >> 32 == 0xFFFF && (low >> 24) & 0xFF == 127
    }
}
