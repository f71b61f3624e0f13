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
            // Build the result in a local array and assign once: each assignment to
            // `entries` rebuilds the mapping's key index.
            var entries = base.entries
            var bySnakeCase: [String: Int] = [:]
            for (index, entry) in entries.enumerated() {
                let snake = KeyedContainerLookup.snakeCase(entry.keyString)
                if bySnakeCase[snake] == nil { bySnakeCase[snake] = index }
            }
            for entry in top.entries {
                let snake = KeyedContainerLookup.snakeCase(entry.keyString)
                if let index = base.index(forKey: entry.keyString) ?? bySnakeCase[snake] {
                    entries[index].value = entries[index].value.merging(entry.value)
                } else {
                    bySnakeCase[snake] = entries.count
                    entries.append(entry)
                }
            }
            base.entries = entries
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
}
