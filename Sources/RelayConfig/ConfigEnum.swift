/// A protobuf enum in configuration: decoded from its name in any letter case (`STRICT_DNS`,
/// `strict_dns`, as Envoy's case-insensitive enum parsing) or, for an unquoted integer, its
/// number; anything else is an error listing the valid names.
///
/// Declare cases in protobuf order with the protobuf names as raw values; override
/// ``protoNumber`` when the numbers are not 0, 1, 2, … in declaration order.
public protocol ConfigEnum: RawRepresentable, CaseIterable, Hashable, Sendable, Decodable
where RawValue == String {
    /// The protobuf number of this case.
    var protoNumber: Int { get }
}

extension ConfigEnum {
    /// The position of the case in `allCases`.
    public var protoNumber: Int {
        Array(Self.allCases).firstIndex(of: self) ?? 0
    }

    /// Decodes by name or number.
    public init(from decoder: any Decoder) throws {
        guard let node = decoder.configNode else {
            let name = try decoder.singleValueContainer().decode(String.self)
            guard let value = Self(rawValue: name) ?? Self.allCases.first(where: { $0.rawValue.uppercased() == name.uppercased() })
            else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "unknown value '\(name)'")
                )
            }
            self = value
            return
        }
        let field = NodeDecoder.forField(decoder.codingPath)
        let names = Self.allCases.map(\.rawValue).joined(separator: ", ")
        guard let scalar = node.scalar else {
            throw ConfigError("expected one of \(names)\(field), found \(node.kindDescription)", at: node.mark)
        }
        if let value = Self(rawValue: scalar.value) ?? Self.allCases.first(where: {
            $0.rawValue.uppercased() == scalar.value.uppercased()
        }) {
            self = value
            return
        }
        if !scalar.isExplicitString, let number = Int(scalar.value),
            let value = Self.allCases.first(where: { $0.protoNumber == number })
        {
            self = value
            return
        }
        throw ConfigError("unknown value '\(scalar.value)'\(field); expected one of \(names)", at: node.mark)
    }
}
