extension ConfigNode {
    /// A YAML sequence.
    public struct Sequence: Sendable, Hashable {
        /// The elements in order.
        public var elements: [ConfigNode]
        /// Where the sequence starts.
        public var mark: Mark

        /// Creates a sequence.
        public init(elements: [ConfigNode], mark: Mark) {
            self.elements = elements
            self.mark = mark
        }

        public static func == (lhs: Sequence, rhs: Sequence) -> Bool {
            lhs.elements == rhs.elements
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(elements)
        }
    }
}
