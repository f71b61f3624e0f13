extension ConfigNode {
    /// Merges `overlay` on top of this node with protobuf `MergeFrom` semantics:
    /// mappings merge key by key (recursively; `portValue` and `port_value` name the same
    /// field), sequences are appended, scalars are replaced, and a null overlay leaves the
    /// base unchanged. A mapping or scalar merged onto a sequence is appended as one element.
    /// Every node keeps the marks of the source it came from.
    public func merging(_ overlay: ConfigNode) -> ConfigNode {
        if overlay.isNull { return self }
        switch (self, overlay) {
        case (.mapping(var base), .mapping(let top)):
            for entry in top.entries {
                if let index = Self.matchingIndex(of: entry.keyString, in: base) {
                    base.entries[index].value = base.entries[index].value.merging(entry.value)
                } else {
                    base.entries.append(entry)
                }
            }
            return .mapping(base)
        case (.sequence(var base), .sequence(let top)):
            base.elements += top.elements
            return .sequence(base)
        case (.sequence(var base), _):
            base.elements.append(overlay)
            return .sequence(base)
        default:
            return overlay
        }
    }

    private static func matchingIndex(of key: String, in mapping: Mapping) -> Int? {
        if let index = mapping.entries.firstIndex(where: { $0.keyString == key }) { return index }
        let snake = KeyedContainerLookup.snakeCase(key)
        return mapping.entries.firstIndex { KeyedContainerLookup.snakeCase($0.keyString) == snake }
    }
}
