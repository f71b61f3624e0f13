extension ConfigNode {
    /// A YAML scalar: its text, how it was written, its explicit tag and its position.
    public struct Scalar: Sendable, Hashable {
        /// How a scalar was written in the source.
        public enum Style: Sendable, Hashable {
            /// Unquoted.
            case plain
            /// `'single quoted'`.
            case singleQuoted
            /// `"double quoted"`.
            case doubleQuoted
            /// `|` block.
            case literal
            /// `>` block.
            case folded
        }

        /// The tag URI for YAML null (`!!null`).
        public static let nullTag = "tag:yaml.org,2002:null"
        /// The tag URI for YAML strings (`!!str`).
        public static let stringTag = "tag:yaml.org,2002:str"

        /// The scalar text after YAML unescaping and folding.
        public var value: String
        /// How the scalar was written.
        public var style: Style
        /// The explicit, resolved tag (e.g. `tag:yaml.org,2002:str` for `!!str`), if any.
        public var tag: String?
        /// Where the scalar starts.
        public var mark: Mark

        /// Creates a scalar.
        public init(value: String, style: Style = .plain, tag: String? = nil, mark: Mark) {
            self.value = value
            self.style = style
            self.tag = tag
            self.mark = mark
        }

        /// True for a YAML null: tagged `!!null`, or an untagged plain scalar spelled
        /// ``, `~`, `null`, `Null` or `NULL`.
        public var isNull: Bool {
            if let tag { return tag == Self.nullTag }
            guard style == .plain else { return false }
            switch value {
            case "", "~", "null", "Null", "NULL": return true
            default: return false
            }
        }

        /// True if the scalar was written with quotes or as a block, or tagged `!!str`:
        /// it is a string whatever its text looks like.
        public var isExplicitString: Bool {
            style != .plain || tag == Self.stringTag
        }

        public static func == (lhs: Scalar, rhs: Scalar) -> Bool {
            lhs.value == rhs.value && lhs.isExplicitString == rhs.isExplicitString && lhs.tag == rhs.tag
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(value)
            hasher.combine(isExplicitString)
            hasher.combine(tag)
        }
    }
}
