extension ConfigNode {
    /// An ordered YAML mapping. Keys are nodes (so they keep their own marks); the parser
    /// only produces scalar keys and rejects duplicates.
    public struct Mapping: Sendable, Hashable {
        /// One key/value pair.
        public struct Entry: Sendable, Hashable {
            /// The key node (a scalar for everything the parser produces).
            public var key: ConfigNode
            /// The value node.
            public var value: ConfigNode

            /// Creates an entry.
            public init(key: ConfigNode, value: ConfigNode) {
                self.key = key
                self.value = value
            }

            /// The key's text (empty for a non-scalar key).
            public var keyString: String {
                if case .scalar(let scalar) = key { return scalar.value }
                return ""
            }
        }

        /// The entries in source order.
        public var entries: [Entry]
        /// Where the mapping starts.
        public var mark: Mark

        /// Creates a mapping.
        public init(entries: [Entry], mark: Mark) {
            self.entries = entries
            self.mark = mark
        }

        /// The key texts in order.
        public var keys: [String] { entries.map(\.keyString) }

        /// The value of the first entry whose key text is `key`.
        public subscript(key: String) -> ConfigNode? {
            entries.first { $0.keyString == key }?.value
        }

        /// The first entry whose key text is `key`.
        public func entry(forKey key: String) -> Entry? {
            entries.first { $0.keyString == key }
        }

        public static func == (lhs: Mapping, rhs: Mapping) -> Bool {
            lhs.entries == rhs.entries
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(entries)
        }
    }
}
