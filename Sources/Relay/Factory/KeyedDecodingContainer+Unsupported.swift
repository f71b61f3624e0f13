extension KeyedDecodingContainer {
    /// Refuses Envoy fields an extension does not implement: throws
    /// `'<field>' is not supported by Relay` at the first of `keys` present in the config, so a
    /// field that would change behaviour is never silently ignored.
    public func refuseUnsupported(_ keys: [Key], hint: String = "") throws {
        for key in keys where contains(key) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath + [key],
                    debugDescription: "'\(key.stringValue)' is not supported by Relay" + (hint.isEmpty ? "" : "; \(hint)")
                )
            )
        }
    }
}
