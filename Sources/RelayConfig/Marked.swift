/// A decoded value together with the mark of the node it came from, for fields that later
/// validation must point at (`cluster: Marked<String>` → "unknown cluster 'x'" at its mark).
public struct Marked<Value> {
    /// The decoded value.
    public var value: Value
    /// Where the value's node starts.
    public var mark: Mark

    /// Wraps a value with its mark.
    public init(_ value: Value, mark: Mark) {
        self.value = value
        self.mark = mark
    }
}

extension Marked: Decodable where Value: Decodable {
    /// Decodes the value and records the node's mark (`<unknown>` outside ``ConfigDecoder``).
    public init(from decoder: any Decoder) throws {
        self.value = try decoder.singleValueContainer().decode(Value.self)
        self.mark = decoder.configMark ?? Mark(fileName: "<unknown>", line: 0, column: 0)
    }
}

extension Marked: Sendable where Value: Sendable {}
extension Marked: Equatable where Value: Equatable {}
extension Marked: Hashable where Value: Hashable {}
