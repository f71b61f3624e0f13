/// A free-form JSON-like value (`google.protobuf.Value` / `Struct`), used for metadata.
///
/// From YAML, as Envoy's yaml-cpp reads it: null → ``null``; an unquoted `true`/`false`,
/// `yes`/`no`, `on`/`off` or `y`/`n` → ``bool(_:)``; an unquoted number (also `0x…`, `0o…`)
/// → ``number(_:)``; any other scalar → ``string(_:)``; mappings → ``structure(_:)``;
/// sequences → ``list(_:)``. Accessors make nested reads short:
/// `metadata["istio"]?["services"]?[0]?["host"]?.stringValue`.
public enum ConfigValue: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// JSON null.
    case null
    /// A boolean.
    case bool(Bool)
    /// A number (JSON numbers are doubles).
    case number(Double)
    /// A string.
    case string(String)
    /// A list.
    case list([ConfigValue])
    /// A struct (string keys).
    case structure([String: ConfigValue])

    /// Converts a node tree (marks are dropped).
    public init(_ node: ConfigNode) {
        switch node {
        case .scalar(let scalar):
            if scalar.isNull {
                self = .null
            } else if scalar.isExplicitString {
                self = .string(scalar.value)
            } else if let bool = ConfigValue.bool(scalar.value) {
                self = .bool(bool)
            } else if let number = ConfigValue.number(scalar.value) {
                self = .number(number)
            } else {
                self = .string(scalar.value)
            }
        case .sequence(let sequence):
            self = .list(sequence.elements.map(ConfigValue.init))
        case .mapping(let mapping):
            var fields: [String: ConfigValue] = [:]
            for entry in mapping.entries { fields[entry.keyString] = ConfigValue(entry.value) }
            self = .structure(fields)
        }
    }

    /// Decodes any node (with ``ConfigDecoder``) or any JSON-like value (other decoders).
    public init(from decoder: any Decoder) throws {
        if let node = decoder.configNode {
            self.init(node)
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
        } else if let list = try? container.decode([ConfigValue].self) {
            self = .list(list)
        } else {
            self = .structure(try container.decode([String: ConfigValue].self))
        }
    }

    /// An unquoted boolean as yaml-cpp reads it (`true`, `yes`, `on`, `y`, … in lower, upper
    /// or capitalized case).
    private static func bool(_ text: String) -> Bool? {
        NodeDecoder.yamlCppBool(text)
    }

    /// An unquoted number: decimal, or yaml-cpp's `0x…`/`0o…` integers.
    private static func number(_ text: String) -> Double? {
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
        if let radix = NodeDecoder.yamlCppRadixInteger(text, as: Int64.self), let value = radix { return Double(value) }
        return Double(text)
    }

    /// The field `key` of a struct, nil otherwise.
    public subscript(key: String) -> ConfigValue? {
        if case .structure(let fields) = self { return fields[key] }
        return nil
    }

    /// The element at `index` of a list, nil otherwise or when out of range.
    public subscript(index: Int) -> ConfigValue? {
        if case .list(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number, if this is a number.
    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The elements, if this is a list.
    public var listValue: [ConfigValue]? {
        if case .list(let value) = self { return value }
        return nil
    }

    /// The fields, if this is a struct.
    public var structValue: [String: ConfigValue]? {
        if case .structure(let value) = self { return value }
        return nil
    }

    /// True for ``null``.
    public var isNull: Bool { self == .null }

    /// A JSON rendering with sorted keys.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .string(let value): return ConfigValue.quote(value)
        case .list(let elements): return "[" + elements.map(\.description).joined(separator: ",") + "]"
        case .structure(let fields):
            return "{"
                + fields.keys.sorted().map { ConfigValue.quote($0) + ":" + fields[$0]!.description }
                .joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension ConfigValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral,
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
    public init(arrayLiteral elements: ConfigValue...) { self = .list(elements) }
    /// A struct literal.
    public init(dictionaryLiteral elements: (String, ConfigValue)...) {
        self = .structure(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
