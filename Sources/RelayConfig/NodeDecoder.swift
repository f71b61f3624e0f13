/// The `Decoder` behind ``ConfigDecoder``: one per decoded value, remembering which mapping
/// keys its keyed containers touched so unknown fields can be reported.
final class NodeDecoder: Decoder {
    let node: ConfigNode
    let codingPath: [any CodingKey]
    let keyMark: Mark?
    let options: ConfigDecoder
    /// The name of the type being decoded, for error messages.
    let typeName: String

    /// Key texts looked at by keyed containers over `node`.
    private var touchedKeys: Set<String> = []
    /// Whether a keyed container over `node` was created (only then are keys checked).
    private var madeKeyedContainer = false
    /// Decoders created for nested containers; their keys are checked with ours.
    private var nested: [NodeDecoder] = []

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(node: ConfigNode, codingPath: [any CodingKey], keyMark: Mark?, options: ConfigDecoder, typeName: String) {
        self.node = node
        self.codingPath = codingPath
        self.keyMark = keyMark
        self.options = options
        self.typeName = typeName
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let mapping: ConfigNode.Mapping
        switch node {
        case .mapping(let value):
            mapping = value
        case .scalar(let scalar) where scalar.isNull:
            mapping = .init(entries: [], mark: node.mark)
        default:
            throw Self.mismatch(expected: "a mapping", node: node, codingPath: codingPath)
        }
        madeKeyedContainer = true
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, mapping: mapping))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        UnkeyedContainer(decoder: self, elements: Self.listElements(node))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }

    // MARK: Key tracking

    func touch(_ key: String) {
        touchedKeys.insert(key)
    }

    func makeNested(node: ConfigNode, codingPath: [any CodingKey], keyMark: Mark?) -> NodeDecoder {
        let decoder = NodeDecoder(
            node: node,
            codingPath: codingPath,
            keyMark: keyMark,
            options: options,
            typeName: typeName
        )
        nested.append(decoder)
        return decoder
    }

    /// Throws for the first key of the node's mapping that no container touched.
    func checkUnknownKeys() throws {
        if madeKeyedContainer, case .mapping(let mapping) = node {
            for entry in mapping.entries where !touchedKeys.contains(entry.keyString) {
                throw ConfigError("unknown field '\(entry.keyString)' in \(typeName)", at: entry.key.mark)
            }
        }
        for decoder in nested { try decoder.checkUnknownKeys() }
    }

    // MARK: Central decoding

    /// Decodes `type` from `node`, converting foreign errors and checking unknown keys.
    static func decode<T: Decodable>(
        _ type: T.Type,
        from node: ConfigNode,
        codingPath: [any CodingKey],
        keyMark: Mark?,
        options: ConfigDecoder,
        typeName explicitTypeName: String? = nil
    ) throws -> T {
        if let value = try unboxPrimitive(type, node: node, codingPath: codingPath) { return value }
        if T.self == ConfigNode.self, let value = node as? T { return value }
        let decoder = NodeDecoder(
            node: node,
            codingPath: codingPath,
            keyMark: keyMark,
            options: options,
            typeName: explicitTypeName ?? typeName(of: type)
        )
        let value: T
        do {
            value = try T(from: decoder)
        } catch let error as ConfigError {
            throw error
        } catch let error as DecodingError {
            throw decoder.convert(error)
        } catch {
            throw ConfigError("\(error)", at: node.mark)
        }
        try decoder.checkUnknownKeys()
        return value
    }

    static func typeName(of type: Any.Type) -> String {
        if let named = type as? any ConfigTypeNaming.Type { return named.configTypeName }
        let full = String(reflecting: type)
        guard !full.contains("<") else { return full }
        // Drop the module name and the `(unknown context at $…)` part of local/private types.
        let parts = full.split(separator: ".").dropFirst().filter { !$0.hasPrefix("(unknown context") }
        return parts.isEmpty ? full : parts.joined(separator: ".")
    }

    /// The elements of `node` viewed as a list: a sequence's elements, nothing for null,
    /// or the node itself (one-element list).
    static func listElements(_ node: ConfigNode) -> [ConfigNode] {
        switch node {
        case .sequence(let sequence): sequence.elements
        case .scalar(let scalar) where scalar.isNull: []
        default: [node]
        }
    }

    // MARK: Errors

    /// The last non-index key of `codingPath`.
    static func fieldName(_ codingPath: [any CodingKey]) -> String? {
        codingPath.last { $0.intValue == nil }?.stringValue
    }

    /// ` for 'field'`, or empty at the root.
    static func forField(_ codingPath: [any CodingKey]) -> String {
        fieldName(codingPath).map { " for '\($0)'" } ?? ""
    }

    /// `expected <expected> for '<field>', found <node>` at the node's mark.
    static func mismatch(expected: String, node: ConfigNode, codingPath: [any CodingKey]) -> ConfigError {
        ConfigError("expected \(expected)\(forField(codingPath)), found \(node.kindDescription)", at: node.mark)
    }

    /// Converts a `DecodingError` thrown by a type's `init(from:)` into a positioned error.
    private func convert(_ error: DecodingError) -> ConfigError {
        switch error {
        case .keyNotFound(let key, let context):
            let target = locate(context.codingPath)
            return ConfigError("missing required field '\(key.stringValue)' in \(typeName)", at: target.mark)
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let target = locate(context.codingPath)
            return ConfigError(context.debugDescription, at: target.mark)
        @unknown default:
            return ConfigError("\(error)", at: node.mark)
        }
    }

    /// Walks from `node` along the part of `path` below this decoder's coding path.
    private func locate(_ path: [any CodingKey]) -> ConfigNode {
        var current = node
        for key in path.dropFirst(codingPath.count) {
            if let index = key.intValue {
                let elements = Self.listElements(current)
                guard index < elements.count else { break }
                current = elements[index]
            } else if let mapping = current.mapping,
                let entry = KeyedContainerLookup.entry(in: mapping, forKey: key.stringValue)
            {
                current = entry.value
            } else {
                break
            }
        }
        return current
    }
}

/// Key lookup shared by keyed containers and the error locator: the exact key text first,
/// then the lowerCamelCase form of a snake_case key.
enum KeyedContainerLookup {
    static func entry(in mapping: ConfigNode.Mapping, forKey key: String) -> ConfigNode.Mapping.Entry? {
        if let entry = mapping.entry(forKey: key) { return entry }
        let camel = camelCase(key)
        return camel == key ? nil : mapping.entry(forKey: camel)
    }

    /// protobuf's json_name rule: drop each `_` and upper-case the following character.
    static func camelCase(_ key: String) -> String {
        guard key.contains("_") else { return key }
        var result = ""
        var upperNext = false
        for character in key {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                result += character.uppercased()
                upperNext = false
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// The inverse, for `allKeys`: `portValue` → `port_value`.
    static func snakeCase(_ key: String) -> String {
        guard key.contains(where: \.isUppercase) else { return key }
        var result = ""
        for character in key {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
