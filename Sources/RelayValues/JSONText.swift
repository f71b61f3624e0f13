/// The one JSON string escaper: admin output, `/stats?format=json`, the JSON log format.
public enum JSONText {
    /// `text` as a JSON string literal, quoted and escaped.
    public static func quote(_ text: String) -> String {
        "\"" + escape(text) + "\""
    }

    /// `text` escaped for the inside of a JSON string literal (no quotes added): `"`, `\`,
    /// `\n`, `\r`, `\t` and the other control characters as `\u00XX`.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
