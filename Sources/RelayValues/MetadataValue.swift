/// A free-form JSON-like value, as in `google.protobuf.Value` / `Struct`: node metadata, cluster
/// and endpoint `filter_metadata`. The one such type: the config loader decodes YAML into it
/// and the runtime hands the same values to filters.
///
/// From YAML, as Envoy's yaml-cpp reads it: null → ``null``; an unquoted `true`/`false`,
/// `yes`/`no`, `on`/`off` or `y`/`n` → ``bool(_:)``; an unquoted number (also `0x…`, `0o…`)
/// → ``number(_:)``; any other scalar → ``string(_:)``; mappings → ``object(_:)``;
/// sequences → ``list(_:)``. Accessors make nested reads short:
/// `metadata["istio"]?["services"]?[0]?["host"]?.stringValue`.
public indirect enum MetadataValue: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// JSON null.
    case null
    /// A boolean.
    case bool(Bool)
    /// A number (JSON numbers are doubles).
    case number(Double)
    /// A string.
    case string(String)
    /// A list.
    case list([MetadataValue])
    /// An object (a protobuf `Struct`: string keys).
    case object([String: MetadataValue])

    /// Decodes any JSON-like value. A decoder that knows the value's native form (the YAML
    /// config loader, through ``MetadataValueDecoder``) supplies it directly.
    public init(from decoder: any Decoder) throws {
        if let native = decoder as? any MetadataValueDecoder {
            self = try native.decodeMetadataValue()
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let list = try? container.decode([MetadataValue].self) {
            self = .list(list)
        } else {
            self = .object(try container.decode([String: MetadataValue].self))
        }
    }

    /// Field `key` of an object, or nil.
    public subscript(key: String) -> MetadataValue? {
        objectValue?[key]
    }

    /// Element `index` of a list, or nil.
    public subscript(index: Int) -> MetadataValue? {
        guard let list = listValue, list.indices.contains(index) else { return nil }
        return list[index]
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number, if this is one.
    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The elements, if this is a list.
    public var listValue: [MetadataValue]? {
        if case .list(let value) = self { return value }
        return nil
    }

    /// The fields, if this is an object.
    public var objectValue: [String: MetadataValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether this is ``null``.
    public var isNull: Bool { self == .null }

    /// A JSON rendering with sorted keys.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .string(let value): return JSONText.quote(value)
        case .list(let elements): return "[" + elements.map(\.description).joined(separator: ",") + "]"
        case .object(let fields):
            return "{"
                + fields.keys.sorted().map { JSONText.quote($0) + ":" + fields[$0]!.description }
                .joined(separator: ",") + "}"
        }
    }
}

/// A decoder that produces a ``MetadataValue`` from its own representation instead of
/// through a single-value container (RelayConfig's YAML decoder, which keeps yaml-cpp's
/// scalar rules).
public protocol MetadataValueDecoder: Decoder {
    /// The value at the decoder's current position.
    func decodeMetadataValue() throws -> MetadataValue
}

extension MetadataValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral,
    ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `nil` → ``null``.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// An integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A list literal.
    public init(arrayLiteral elements: MetadataValue...) { self = .list(elements) }
    /// An object literal.
    public init(dictionaryLiteral elements: (String, MetadataValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
