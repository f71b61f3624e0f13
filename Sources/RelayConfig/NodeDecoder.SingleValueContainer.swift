extension NodeDecoder {
    /// The node itself as one value.
    struct SingleValueContainer: SingleValueDecodingContainer {
        let decoder: NodeDecoder

        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { decoder.node.isNull }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try NodeDecoder.decode(
                type,
                from: decoder.node,
                codingPath: codingPath,
                keyMark: decoder.keyMark,
                options: decoder.options
            )
        }

        func decode(_ type: Bool.Type) throws -> Bool { try NodeDecoder.unboxBool(decoder.node, codingPath) }
        func decode(_ type: String.Type) throws -> String { try NodeDecoder.unboxString(decoder.node, codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try NodeDecoder.unboxDouble(decoder.node, codingPath) }
        func decode(_ type: Float.Type) throws -> Float { Float(try NodeDecoder.unboxDouble(decoder.node, codingPath)) }
        func decode(_ type: Int.Type) throws -> Int { try integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

        private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
            try NodeDecoder.unboxInteger(type, decoder.node, codingPath)
        }
    }
}
