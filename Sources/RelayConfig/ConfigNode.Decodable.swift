extension ConfigNode: Decodable {
    /// Captures the raw node being decoded (``ConfigDecoder`` only); used for fields that are
    /// accepted but kept unparsed. Unknown-field checks do not look inside it.
    public init(from decoder: any Decoder) throws {
        guard let node = decoder.configNode else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "ConfigNode can only be decoded by ConfigDecoder"
                )
            )
        }
        self = node
    }
}
