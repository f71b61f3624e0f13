extension NodeDecoder {
    /// Keyed access to a mapping; every lookup marks the key as known.
    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: NodeDecoder
        let mapping: ConfigNode.Mapping

        var codingPath: [any CodingKey] { decoder.codingPath }

        var allKeys: [Key] {
            mapping.entries.compactMap {
                Key(stringValue: $0.keyString) ?? Key(stringValue: KeyedContainerLookup.snakeCase($0.keyString))
            }
        }

        private func entry(_ key: Key) -> ConfigNode.Mapping.Entry? {
            guard let entry = KeyedContainerLookup.entry(in: mapping, forKey: key.stringValue) else { return nil }
            decoder.touch(entry.keyString)
            return entry
        }

        private func required(_ key: Key) throws -> ConfigNode.Mapping.Entry {
            guard let entry = entry(key) else {
                throw ConfigError(
                    "missing required field '\(key.stringValue)' in \(decoder.typeName)",
                    at: mapping.mark
                )
            }
            return entry
        }

        func contains(_ key: Key) -> Bool {
            entry(key) != nil
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            entry(key)?.value.isNull ?? true
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let entry = try required(key)
            return try NodeDecoder.decode(
                type,
                from: entry.value,
                codingPath: codingPath + [key],
                keyMark: entry.key.mark,
                options: decoder.options
            )
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let entry = entry(key), !entry.value.isNull else { return nil }
            return try NodeDecoder.decode(
                type,
                from: entry.value,
                codingPath: codingPath + [key],
                keyMark: entry.key.mark,
                options: decoder.options
            )
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type, key) }

        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(type, key) }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(type, key) }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(type, key) }
        func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try present(type, key) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(type, key) }
        func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try present(type, key) }
        func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try present(type, key) }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try present(type, key) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(type, key) }
        func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try present(type, key) }
        func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try present(type, key) }
        func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try present(type, key) }
        func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try present(type, key) }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try present(type, key) }

        private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            try decode(type, forKey: key)
        }

        private func present<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
            try decodeIfPresent(type, forKey: key)
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type,
            forKey key: Key
        ) throws -> KeyedDecodingContainer<NestedKey> {
            let entry = try required(key)
            return try decoder.makeNested(node: entry.value, codingPath: codingPath + [key], keyMark: entry.key.mark)
                .container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            let entry = try required(key)
            return try decoder.makeNested(node: entry.value, codingPath: codingPath + [key], keyMark: entry.key.mark)
                .unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            decoder
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            let entry = try required(key)
            return decoder.makeNested(node: entry.value, codingPath: codingPath + [key], keyMark: entry.key.mark)
        }
    }
}
