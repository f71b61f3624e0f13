/// A parsed YAML value with source positions: a scalar, a mapping or a sequence.
///
/// Anchors and aliases are already resolved (an alias is a copy of the anchored node, with
/// the anchored node's marks) and merge keys (`<<`) are already applied.
///
/// Equality compares content (scalar text, style and tag; keys and values in order),
/// not marks.
public enum ConfigNode: Sendable, Hashable, CustomStringConvertible {
    /// A scalar, including the YAML null (see ``Scalar/isNull``).
    case scalar(Scalar)
    /// An ordered mapping.
    case mapping(Mapping)
    /// A sequence.
    case sequence(Sequence)

    /// Where the node starts.
    public var mark: Mark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .mapping(let mapping): mapping.mark
        case .sequence(let sequence): sequence.mark
        }
    }

    /// True for a YAML null: an untagged plain `null`, `Null`, `NULL`, `~` or empty scalar,
    /// or any scalar tagged `!!null`. A quoted `"null"` is a string.
    public var isNull: Bool {
        if case .scalar(let scalar) = self { return scalar.isNull }
        return false
    }

    /// The scalar payload, if this is a non-null scalar.
    public var scalar: Scalar? {
        if case .scalar(let scalar) = self, !scalar.isNull { return scalar }
        return nil
    }

    /// The scalar text, if this is a non-null scalar.
    public var string: String? { scalar?.value }

    /// The mapping payload, if this is a mapping.
    public var mapping: Mapping? {
        if case .mapping(let mapping) = self { return mapping }
        return nil
    }

    /// The sequence payload, if this is a sequence.
    public var sequence: Sequence? {
        if case .sequence(let sequence) = self { return sequence }
        return nil
    }

    /// For a mapping, the value of the first entry whose key text is `key`.
    public subscript(key: String) -> ConfigNode? {
        mapping?[key]
    }

    /// A short description of the node's kind and value for error messages:
    /// `'text'`, `null`, `a mapping` or `a list`.
    public var kindDescription: String {
        switch self {
        case .scalar(let scalar):
            if scalar.isNull { return "null" }
            let text = scalar.value.count > 40 ? String(scalar.value.prefix(37)) + "..." : scalar.value
            return "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// A compact flow-style rendering, for diagnostics.
    public var description: String {
        switch self {
        case .scalar(let scalar):
            if scalar.isNull { return "null" }
            return scalar.style == .plain ? scalar.value : "\"\(scalar.value)\""
        case .mapping(let mapping):
            return "{" + mapping.entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .sequence(let sequence):
            return "[" + sequence.elements.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// An empty mapping at `mark`.
    public static func emptyMapping(at mark: Mark) -> ConfigNode {
        .mapping(Mapping(entries: [], mark: mark))
    }

    /// A null scalar at `mark`.
    public static func null(at mark: Mark) -> ConfigNode {
        .scalar(Scalar(value: "", style: .plain, tag: nil, mark: mark))
    }
}
