/// A CIDR range prepared for allocation-free containment tests on ``IPAddressValue``.
struct CIDRMask: Sendable {
    let isIPv6: Bool
    let high: UInt64
    let low: UInt64
    let maskHigh: UInt64
    let maskLow: UInt64
    /// The prefix length, for most-specific-first ordering.
    let prefixLength: Int

    init(_ range: CIDRRange) {
        prefixLength = range.prefixLength
        isIPv6 = range.address.count == 16
        var high: UInt64 = 0
        var low: UInt64 = 0
        if isIPv6 {
            for index in 0..<8 { high = high << 8 | UInt64(range.address[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(range.address[index]) }
            let length = range.prefixLength
            maskHigh = length >= 64 ? .max : (length == 0 ? 0 : .max << UInt64(64 - length))
            maskLow = length <= 64 ? 0 : (length == 128 ? .max : .max << UInt64(128 - length))
        } else {
            for index in 0..<4 { low = low << 8 | UInt64(range.address[index]) }
            maskHigh = 0
            maskLow = range.prefixLength == 0 ? 0 : (UInt64(UInt32.max) << UInt64(32 - range.prefixLength)) & UInt64(UInt32.max)
        }
        self.high = high & maskHigh
        self.low = low & maskLow
    }

    func contains(_ address: IPAddressValue) -> Bool {
        address.isIPv6 == isIPv6 && address.high & maskHigh == high && address.low & maskLow == low
    }
}
