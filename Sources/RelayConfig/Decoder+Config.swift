extension Decoder {
    /// The mark of the node being decoded, when decoding with ``ConfigDecoder``.
    public var configMark: Mark? { (self as? NodeDecoder)?.node.mark }

    /// The node being decoded, when decoding with ``ConfigDecoder``.
    public var configNode: ConfigNode? { (self as? NodeDecoder)?.node }

    /// The mark of the mapping key under which the node being decoded was found, if any.
    public var configKeyMark: Mark? { (self as? NodeDecoder)?.keyMark }

    /// The protobuf-style field name being decoded (`port_value`), for messages: the last
    /// non-index key of the coding path.
    public var configFieldName: String? { NodeDecoder.fieldName(codingPath) }
}

extension KeyedDecodingContainer {
    /// The mark of the value stored under `key`, or nil when the key is absent or the
    /// container does not come from ``ConfigDecoder``.
    public func configMark(forKey key: Key) -> Mark? {
        guard contains(key) else { return nil }
        return (try? superDecoder(forKey: key))?.configMark
    }

    /// The mark of the key itself, or nil when absent or not from ``ConfigDecoder``.
    public func configKeyMark(forKey key: Key) -> Mark? {
        guard contains(key) else { return nil }
        return (try? superDecoder(forKey: key))?.configKeyMark
    }
}
