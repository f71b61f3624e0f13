import NIOCore
import RelayValues

/// A `google.protobuf.Duration` as filter configs write it: decimal seconds with up to nine
/// fractional digits and an `s` suffix (`"1s"`, `"0.25s"`, `"1.5s"`, `"0s"`). `"5m"` and
/// `"100ms"` are errors, as in Envoy.
public struct ProtobufDuration: Decodable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in nanoseconds.
    public let nanoseconds: Int64

    /// A duration of `nanoseconds`.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The longest duration the `Int64` nanosecond count holds: 9,223,372,036.854775807 s
    /// (about 292 years; protobuf itself allows up to 315,576,000,000 s).
    public static let max = ProtobufDuration(nanoseconds: .max)

    /// A duration of whole `seconds`, saturating at ``max``.
    public static func seconds(_ seconds: Int64) -> ProtobufDuration {
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? ProtobufDuration(nanoseconds: .min) : .max }
        return ProtobufDuration(nanoseconds: nanoseconds)
    }

    /// Parses the protobuf JSON form (with `ProtobufDurationText`); nil if malformed,
    /// negative or longer than ``max``.
    public init?(parsing text: String) {
        guard case .success(let parsed) = ProtobufDurationText.parse(text), !parsed.isNegative else { return nil }
        let (wholeNanoseconds, overflow) = parsed.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, sumOverflow) = wholeNanoseconds.addingReportingOverflow(Int64(parsed.nanos))
        guard !overflow, !sumOverflow else { return nil }
        self.init(nanoseconds: total)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ProtobufDuration(parsing: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: Self.parseFailure(text)
                )
            )
        }
        self = parsed
    }

    /// Why `text` (which failed ``init(parsing:)``) is not a duration.
    static func parseFailure(_ text: String) -> String {
        let isDigits = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
        let parts = text.dropLast().split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if text.hasSuffix("s"), isDigits(parts[0]), parts.count == 1 || (isDigits(parts[1]) && parts[1].count <= 9) {
            return "invalid duration '\(text)': out of range (at most \(max) here)"
        }
        return "invalid duration '\(text)': expected seconds with an 's' suffix, e.g. \"1s\" or \"0.5s\""
    }

    /// Whether the duration is zero (Envoy's "disabled" for most timeouts).
    public var isZero: Bool { nanoseconds == 0 }

    /// As a NIO time amount.
    public var timeAmount: TimeAmount { .nanoseconds(nanoseconds) }

    public static func < (lhs: ProtobufDuration, rhs: ProtobufDuration) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public var description: String {
        let seconds = nanoseconds / 1_000_000_000
        let nanos = nanoseconds % 1_000_000_000
        if nanos == 0 { return "\(seconds)s" }
        var fraction = String(nanos)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(seconds).\(fraction)s"
    }
}
