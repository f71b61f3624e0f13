extension NodeDecoder {
    /// Sequential access to a list (a single non-list node counts as a one-element list).
    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let decoder: NodeDecoder
        let elements: [ConfigNode]
        private(set) var currentIndex = 0

        init(decoder: NodeDecoder, elements: [ConfigNode]) {
            self.decoder = decoder
            self.elements = elements
        }

        var codingPath: [any CodingKey] { decoder.codingPath }
        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private var currentPath: [any CodingKey] { codingPath + [IndexKey(currentIndex)] }

        private func current() throws -> ConfigNode {
            guard !isAtEnd else {
                throw ConfigError(
                    "list\(NodeDecoder.forField(codingPath)) has only \(elements.count) element(s)",
                    at: decoder.node.mark
                )
            }
            return elements[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard try current().isNull else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let value = try NodeDecoder.decode(
                type,
                from: current(),
                codingPath: currentPath,
                keyMark: nil,
                options: decoder.options
            )
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(type, ()) }
        mutating func decode(_ type: String.Type) throws -> String { try decode(type, ()) }
        mutating func decode(_ type: Double.Type) throws -> Double { try decode(type, ()) }
        mutating func decode(_ type: Float.Type) throws -> Float { try decode(type, ()) }
        mutating func decode(_ type: Int.Type) throws -> Int { try decode(type, ()) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try decode(type, ()) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try decode(type, ()) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try decode(type, ()) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try decode(type, ()) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try decode(type, ()) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(type, ()) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(type, ()) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(type, ()) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(type, ()) }

        private mutating func decode<T: Decodable>(_ type: T.Type, _: Void) throws -> T {
            try decode(type)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type
        ) throws -> KeyedDecodingContainer<NestedKey> {
            let nested = try decoder.makeNested(node: current(), codingPath: currentPath, keyMark: nil)
            currentIndex += 1
            return try nested.container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let nested = try decoder.makeNested(node: current(), codingPath: currentPath, keyMark: nil)
            currentIndex += 1
            return try nested.unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            let nested = try decoder.makeNested(node: current(), codingPath: currentPath, keyMark: nil)
            currentIndex += 1
            return nested
        }
    }

    /// A list index in a coding path.
    struct IndexKey: CodingKey {
        let intValue: Int?
        let stringValue: String

        init(_ index: Int) {
            intValue = index
            stringValue = "Index \(index)"
        }

        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.init(intValue) }
    }
}
