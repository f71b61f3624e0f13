/// Syntax checks for IP address literals (no name resolution).
enum IPAddressLiteral {
    /// True for a dotted-quad IPv4 address such as `10.0.0.1`.
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(part)
            else { return false }
            return value <= 255
        }
    }

    /// True for an IPv6 address (`::1`, `fe80::1`, `::ffff:1.2.3.4`), optionally in brackets
    /// and with a `%zone` suffix.
    static func isIPv6(_ text: String) -> Bool {
        var body = Substring(text)
        if body.hasPrefix("["), body.hasSuffix("]") { body = body.dropFirst().dropLast() }
        if let percent = body.firstIndex(of: "%") { body = body[..<percent] }
        guard body.contains(":") else { return false }
        let halves = body.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (halfIndex, half) in halves.enumerated() where !half.isEmpty {
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                let isLast = halfIndex == halves.count - 1 && index == parts.count - 1
                if isLast, part.contains(".") {
                    guard isIPv4(String(part)) else { return false }
                    groups += 2
                } else {
                    guard !part.isEmpty, part.count <= 4, part.allSatisfy(\.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    /// True for an IPv4 or IPv6 literal.
    static func isIP(_ text: String) -> Bool {
        isIPv4(text) || isIPv6(text)
    }
}

extension Substring {
    /// Splits at `::` (at most the number of occurrences + 1 pieces).
    fileprivate func components(separatedByDoubleColon _: Void) -> [Substring] {
        var pieces: [Substring] = []
        var start = startIndex
        var index = startIndex
        while index < endIndex {
            let next = self.index(after: index)
            if self[index] == ":", next < endIndex, self[next] == ":" {
                pieces.append(self[start..<index])
                index = self.index(after: next)
                start = index
            } else {
                index = next
            }
        }
        pieces.append(self[start..<endIndex])
        return pieces
    }
}
