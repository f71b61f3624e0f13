/// Parses the protobuf JSON form of `google.protobuf.Duration`: seconds with an optional
/// fraction of up to nine digits and a mandatory `s` suffix (`"15s"`, `"0.5s"`, `"-1.000000001s"`).
///
/// That is the only form Envoy's JSON/YAML config loader accepts for a Duration; `"15"`, `"1m"`
/// or `"500ms"` are errors there, and here.
enum ProtobufDurationText {
    /// The largest magnitude protobuf allows: 10,000 years in seconds.
    static let maxSeconds: Int64 = 315_576_000_000

    /// Parses `text` or explains why it is not a protobuf Duration.
    static func parse(_ text: String) -> Result<Duration, DurationParseError> {
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
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isASCIIDigit) else {
                return .failure(.init(text: text, reason: "needs 1 to 9 fractional digits after the '.'"))
            }
            let padded = String(fraction) + String(repeating: "0", count: 9 - fraction.count)
            nanoseconds = Int64(padded) ?? 0
        }
        let duration = Duration.seconds(seconds) + Duration.nanoseconds(nanoseconds)
        return .success(negative ? .zero - duration : duration)
    }

    /// Why a string is not a protobuf Duration.
    struct DurationParseError: Error, Equatable {
        /// The offending text.
        var text: String
        /// What is wrong with it.
        var reason: String
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
