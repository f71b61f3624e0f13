/// The one parser of the protobuf JSON form of `google.protobuf.Duration`: whole seconds, an
/// optional fraction of up to nine digits, and a mandatory `s` suffix (`"15s"`, `"0.5s"`,
/// `"-1.000000001s"`).
///
/// That is the only form Envoy's JSON/YAML config loader accepts for a Duration; `"15"`, `"1m"`
/// or `"500ms"` are errors there, and here. `ProtobufDuration` (Relay), `ConfigDuration`
/// (RelayConfig) and the TCP stats filter's reporting interval all parse through it.
public enum ProtobufDurationText {
    /// The largest magnitude protobuf allows: 10,000 years in seconds.
    public static let maxSeconds: Int64 = 315_576_000_000

    /// A parsed duration: whole seconds and the fraction in nanoseconds, both with the sign of
    /// the text (`"-1.5s"` is `seconds: -1, nanos: -500_000_000`).
    public struct Parsed: Sendable, Hashable {
        /// Whole seconds.
        public var seconds: Int64
        /// Fractional nanoseconds, with the same sign as `seconds`.
        public var nanos: Int32
        /// Whether the text had a leading `-` (also for `"-0s"`).
        public var isNegative: Bool
    }

    /// Why a string is not a protobuf Duration.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The offending text.
        public var text: String
        /// What is wrong with it.
        public var reason: String

        /// Creates an error for `text`.
        public init(text: String, reason: String) {
            self.text = text
            self.reason = reason
        }

        public var description: String { "invalid duration '\(text)': \(reason)" }
    }

    /// Parses `text` or explains why it is not a protobuf Duration.
    public static func parse(_ text: String) -> Result<Parsed, ParseError> {
        var scalars = Substring(text)
        guard scalars.last == "s" else {
            return .failure(.init(text: text, reason: "must end in 's' (protobuf Duration, e.g. \"15s\" or \"0.5s\")"))
        }
        scalars.removeLast()
        var negative = false
        if scalars.first == "-" {
            negative = true
            scalars.removeFirst()
        }
        let parts = scalars.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else {
            return .failure(.init(text: text, reason: "has more than one '.'"))
        }
        let whole = parts[0]
        guard !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else {
            return .failure(.init(text: text, reason: "needs whole seconds as decimal digits before the 's'"))
        }
        guard whole.count <= 12, let seconds = Int64(whole), seconds <= maxSeconds else {
            return .failure(.init(text: text, reason: "is out of range (at most \(maxSeconds)s)"))
        }
        var nanos: Int32 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isASCIIDigit) else {
                return .failure(.init(text: text, reason: "needs 1 to 9 fractional digits after the '.'"))
            }
            nanos = Int32(String(fraction) + String(repeating: "0", count: 9 - fraction.count)) ?? 0
        }
        return .success(Parsed(seconds: negative ? -seconds : seconds, nanos: negative ? -nanos : nanos, isNegative: negative))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
