extension NodeDecoder {
    /// Decodes scalar Swift types directly; nil when `type` is not one of them.
    static func unboxPrimitive<T>(_ type: T.Type, node: ConfigNode, codingPath: [any CodingKey]) throws -> T? {
        switch type {
        case is String.Type: return try unboxString(node, codingPath) as? T
        case is Bool.Type: return try unboxBool(node, codingPath) as? T
        case is Int.Type: return try unboxInteger(Int.self, node, codingPath) as? T
        case is Int8.Type: return try unboxInteger(Int8.self, node, codingPath) as? T
        case is Int16.Type: return try unboxInteger(Int16.self, node, codingPath) as? T
        case is Int32.Type: return try unboxInteger(Int32.self, node, codingPath) as? T
        case is Int64.Type: return try unboxInteger(Int64.self, node, codingPath) as? T
        case is UInt.Type: return try unboxInteger(UInt.self, node, codingPath) as? T
        case is UInt8.Type: return try unboxInteger(UInt8.self, node, codingPath) as? T
        case is UInt16.Type: return try unboxInteger(UInt16.self, node, codingPath) as? T
        case is UInt32.Type: return try unboxInteger(UInt32.self, node, codingPath) as? T
        case is UInt64.Type: return try unboxInteger(UInt64.self, node, codingPath) as? T
        case is Double.Type: return try unboxDouble(node, codingPath) as? T
        case is Float.Type: return try Float(unboxDouble(node, codingPath)) as? T
        default: return nil
        }
    }

    static func unboxString(_ node: ConfigNode, _ codingPath: [any CodingKey]) throws -> String {
        guard let scalar = node.scalar else {
            throw mismatch(expected: "a string", node: node, codingPath: codingPath)
        }
        return scalar.value
    }

    static func unboxBool(_ node: ConfigNode, _ codingPath: [any CodingKey]) throws -> Bool {
        switch node.scalar?.value {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw mismatch(expected: "a boolean (true or false)", node: node, codingPath: codingPath)
        }
    }

    static func unboxInteger<I: FixedWidthInteger>(
        _ type: I.Type,
        _ node: ConfigNode,
        _ codingPath: [any CodingKey]
    ) throws -> I {
        guard let text = node.scalar?.value else {
            throw mismatch(expected: "an integer", node: node, codingPath: codingPath)
        }
        if let value = I(text) { return value }
        let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) {
            let kind = I.isSigned ? "a signed" : "an unsigned"
            throw ConfigError(
                "integer \(text)\(forField(codingPath)) is out of range for \(kind) \(I.bitWidth)-bit value "
                    + "(\(I.min)...\(I.max))",
                at: node.mark
            )
        }
        throw mismatch(expected: "an integer", node: node, codingPath: codingPath)
    }

    static func unboxDouble(_ node: ConfigNode, _ codingPath: [any CodingKey]) throws -> Double {
        guard let text = node.scalar?.value else {
            throw mismatch(expected: "a number", node: node, codingPath: codingPath)
        }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "Infinity": return .infinity
        case "-.inf", "-.Inf", "-.INF", "-Infinity": return -.infinity
        case ".nan", ".NaN", ".NAN", "NaN": return .nan
        default: break
        }
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == ".",
            let value = Double(text)
        else {
            throw mismatch(expected: "a number", node: node, codingPath: codingPath)
        }
        return value
    }
}
