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

        /// Mappings with more entries than this get a key index; smaller ones are scanned.
        static let indexThreshold = 12

        /// The entries in source order.
        public var entries: [Entry] {
            didSet { keyIndex = Self.makeIndex(entries) }
        }
        /// Where the mapping starts.
        public var mark: Mark
        /// Key text → index of the first entry with that key, for large mappings (so that
        /// decoding a mapping of n keys is O(n), not O(n²)); nil for small ones.
        private var keyIndex: [String: Int]?

        /// Creates a mapping.
        public init(entries: [Entry], mark: Mark) {
            self.entries = entries
            self.mark = mark
            self.keyIndex = Self.makeIndex(entries)
        }

        private static func makeIndex(_ entries: [Entry]) -> [String: Int]? {
            guard entries.count > indexThreshold else { return nil }
            var index: [String: Int] = [:]
            index.reserveCapacity(entries.count)
            for (position, entry) in entries.enumerated() where index[entry.keyString] == nil {
                index[entry.keyString] = position
            }
            return index
        }

        /// The key texts in order.
        public var keys: [String] { entries.map(\.keyString) }

        /// The value of the first entry whose key text is `key`.
        public subscript(key: String) -> ConfigNode? {
            entry(forKey: key)?.value
        }

        /// The first entry whose key text is `key`.
        public func entry(forKey key: String) -> Entry? {
            index(forKey: key).map { entries[$0] }
        }

        /// The position of the first entry whose key text is `key`.
        public func index(forKey key: String) -> Int? {
            if let keyIndex { return keyIndex[key] }
            return entries.firstIndex { $0.keyString == key }
        }

        public static func == (lhs: Mapping, rhs: Mapping) -> Bool {
            lhs.entries == rhs.entries
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(entries)
        }
    }
}
