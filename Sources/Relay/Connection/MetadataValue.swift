/// A JSON-like value, as in `google.protobuf.Value`: node metadata, cluster and endpoint
/// `filter_metadata`.
public indirect enum MetadataValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([MetadataValue])
    case object([String: MetadataValue])

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The fields, if this is an object.
    public var objectValue: [String: MetadataValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, if this is a list.
    public var listValue: [MetadataValue]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// Field `key` of an object, or nil.
    public subscript(key: String) -> MetadataValue? {
        objectValue?[key]
    }

    /// Element `index` of a list, or nil.
    public subscript(index: Int) -> MetadataValue? {
        guard let list = listValue, list.indices.contains(index) else { return nil }
        return list[index]
    }
}
