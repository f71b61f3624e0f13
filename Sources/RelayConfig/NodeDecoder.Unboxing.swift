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

    /// `true`/`false` in any style; unquoted, also yaml-cpp's `yes`/`no`, `on`/`off`, `y`/`n`
    /// (lower case, upper case or capitalized), as Envoy reads them.
    static func unboxBool(_ node: ConfigNode, _ codingPath: [any CodingKey]) throws -> Bool {
        switch node.scalar?.value {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            if let scalar = node.scalar, !scalar.isExplicitString, let value = yamlCppBool(scalar.value) {
                return value
            }
            throw mismatch(expected: "a boolean (true or false)", node: node, codingPath: codingPath)
        }
    }

    /// yaml-cpp's boolean words: `y`, `yes`, `true`, `on` and `n`, `no`, `false`, `off`, each
    /// in lower case, upper case or capitalized.
    static func yamlCppBool(_ text: String) -> Bool? {
        let lower = text.lowercased()
        guard text == lower || text == text.uppercased() || text == lower.prefix(1).uppercased() + lower.dropFirst()
        else { return nil }
        switch lower {
        case "y", "yes", "true", "on": return true
        case "n", "no", "false", "off": return false
        default: return nil
        }
    }

    /// An unquoted `0x…` (hexadecimal) or `0o…` (octal) integer with an optional sign, as
    /// yaml-cpp reads them: `.some(nil)` when the digits are valid but out of range for `I`,
    /// nil when `text` is not written that way.
    static func yamlCppRadixInteger<I: FixedWidthInteger>(_ text: String, as type: I.Type) -> I?? {
        var body = Substring(text)
        var sign = ""
        if body.first == "-" || body.first == "+" {
            sign = body.first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        let radix: Int
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            radix = 16
        } else if body.hasPrefix("0o") {
            radix = 8
        } else {
            return nil
        }
        let digits = body.dropFirst(2)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit && Int(String($0), radix: radix) != nil })
        else { return nil }
        return .some(I(sign + digits, radix: radix))
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
        let radixValue = node.scalar?.isExplicitString == false ? yamlCppRadixInteger(text, as: I.self) : nil
        if let radixValue, let value = radixValue { return value }
        if radixValue != nil || (!digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)) {
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
