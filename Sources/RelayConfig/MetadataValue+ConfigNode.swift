import RelayValues

/// YAML to `MetadataValue` (from `RelayValues`, re-exported), as Envoy's yaml-cpp reads it.
extension MetadataValue {
    /// Converts a node tree (marks are dropped).
    public init(_ node: ConfigNode) {
        switch node {
        case .scalar(let scalar):
            if scalar.isNull {
                self = .null
            } else if scalar.isExplicitString {
                self = .string(scalar.value)
            } else if let bool = MetadataValue.bool(scalar.value) {
                self = .bool(bool)
            } else if let number = MetadataValue.number(scalar.value) {
                self = .number(number)
            } else {
                self = .string(scalar.value)
            }
        case .sequence(let sequence):
            self = .list(sequence.elements.map(MetadataValue.init))
        case .mapping(let mapping):
            var fields: [String: MetadataValue] = [:]
            for entry in mapping.entries { fields[entry.keyString] = MetadataValue(entry.value) }
            self = .object(fields)
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
}

extension NodeDecoder: MetadataValueDecoder {
    func decodeMetadataValue() throws -> MetadataValue {
        MetadataValue(node)
    }
}
