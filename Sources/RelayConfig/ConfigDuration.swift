import RelayValues

/// A `google.protobuf.Duration` as written in Envoy YAML: decimal seconds with an `s`
/// suffix and up to nine fractional digits (`"1s"`, `"0.25s"`, `"1.5s"`, `"0s"`, `"-2s"`),
/// or the message form `{seconds: 5, nanos: 250000000}` (both fields optional, numbers may
/// be quoted). Other units (`"5m"`, `"100ms"`) are rejected; so are values beyond
/// protobuf's ±315,576,000,000 s.
public struct ConfigDuration: Sendable, Hashable, Comparable, CustomStringConvertible, Decodable {
    /// The largest magnitude protobuf allows (10,000 years).
    public static let maxSeconds: Int64 = 315_576_000_000

    /// Whole seconds (negative for negative durations).
    public let seconds: Int64
    /// Fractional nanoseconds, with the same sign as `seconds` (-999,999,999…999,999,999).
    public let nanos: Int32

    /// A zero duration.
    public static let zero = ConfigDuration(seconds: 0)

    /// Creates a duration; `nanos` should have the same sign as `seconds`.
    public init(seconds: Int64, nanos: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }

    /// Creates a duration from milliseconds.
    public static func milliseconds(_ milliseconds: Int64) -> ConfigDuration {
        ConfigDuration(seconds: milliseconds / 1000, nanos: Int32(milliseconds % 1000) * 1_000_000)
    }

    /// Creates a duration from a Swift `Duration` (attosecond remainder truncated).
    public init(_ duration: Duration) {
        let parts = duration.components
        self.init(seconds: parts.seconds, nanos: Int32(parts.attoseconds / 1_000_000_000))
    }

    /// Parses the protobuf JSON form (`"1.5s"`) with `ProtobufDurationText`; nil if
    /// malformed or out of range.
    public init?(parsing text: String) {
        guard case .success(let parsed) = ProtobufDurationText.parse(text) else { return nil }
        self.init(seconds: parsed.seconds, nanos: parsed.nanos)
    }

    /// Total nanoseconds, saturating at `Int64` bounds.
    public var nanoseconds: Int64 {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = product.addingReportingOverflow(Int64(nanos))
        if overflow2 { return seconds < 0 ? .min : .max }
        return sum
    }

    /// Total milliseconds, truncated.
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    /// The duration as a Swift `Duration`.
    public var duration: Duration {
        .seconds(seconds) + .nanoseconds(Int64(nanos))
    }

    /// True if the duration is greater than zero.
    public var isPositive: Bool { seconds > 0 || (seconds == 0 && nanos > 0) }

    /// The protobuf JSON form: `"1.5s"`, `"0s"`, `"0.000000001s"`.
    public var description: String {
        let negative = seconds < 0 || nanos < 0
        var text = (negative ? "-" : "") + String(seconds.magnitude)
        if nanos != 0 {
            var fraction = String(nanos.magnitude)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "s"
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool {
        (lhs.seconds, lhs.nanos) < (rhs.seconds, rhs.nanos)
    }

    /// Decodes the string or the object form; errors name the expected form.
    public init(from decoder: any Decoder) throws {
        if case .mapping(let mapping) = decoder.configNode {
            self = try Self(object: mapping, codingPath: decoder.codingPath)
            return
        }
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = ConfigDuration(parsing: text) else {
            let message =
                "invalid duration '\(text)'\(NodeDecoder.forField(decoder.codingPath)): "
                + "expected seconds with an 's' suffix and at most 9 fractional digits, like '1s', '0.25s' or '1.5s'"
            if let mark = decoder.configMark { throw ConfigError(message, at: mark) }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message))
        }
        self = value
    }
}

extension ConfigDuration {
    private struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the message form `{seconds: 5, nanos: 0}`, with errors at the offending key or value.
    init(object mapping: ConfigNode.Mapping, codingPath: [any CodingKey]) throws {
        let field = NodeDecoder.forField(codingPath)
        var seconds: Int64 = 0
        var nanos: Int32 = 0
        var nanosNode: ConfigNode?
        for entry in mapping.entries {
            let path = codingPath + [FieldKey(stringValue: entry.keyString)]
            switch entry.keyString {
            case "seconds":
                seconds = try NodeDecoder.unboxInteger(Int64.self, entry.value, path)
                guard seconds.magnitude <= UInt64(Self.maxSeconds) else {
                    throw ConfigError(
                        "seconds \(seconds)\(field) is out of range (at most ±\(Self.maxSeconds))",
                        at: entry.value.mark
                    )
                }
            case "nanos":
                nanos = try NodeDecoder.unboxInteger(Int32.self, entry.value, path)
                nanosNode = entry.value
                guard nanos.magnitude <= 999_999_999 else {
                    throw ConfigError(
                        "nanos \(nanos)\(field) is out of range (-999999999...999999999)",
                        at: entry.value.mark
                    )
                }
            default:
                throw ConfigError("unknown field '\(entry.keyString)' in google.protobuf.Duration", at: entry.key.mark)
            }
        }
        if let nanosNode, seconds != 0, nanos != 0, (seconds < 0) != (nanos < 0) {
            throw ConfigError("nanos \(nanos)\(field) has the opposite sign of seconds (\(seconds))", at: nanosNode.mark)
        }
        self.init(seconds: seconds, nanos: nanos)
    }
}
