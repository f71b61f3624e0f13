import RelayConfig

/// The config fields Envoy annotates `(udpa.annotations.sensitive)` (private keys, key
/// passwords, session ticket keys, generic secrets), which must never leave the process:
/// `/config_dump` redacts them (``ConfigDump``) and config errors never echo their text.
enum SensitiveFields {
    /// Whether the field `key` (YAML name, either spelling) under the field `parent` is
    /// sensitive. Everything under a sensitive field is.
    static func isSensitive(_ key: String, parent: String?) -> Bool {
        switch key {
        case "private_key", "privateKey", "pkcs12", "password":
            // TlsCertificate.private_key / pkcs12 / password (password anywhere: no config
            // Relay reads has a password that is not a secret).
            return true
        case "keys":
            return parent == "session_ticket_keys" || parent == "sessionTicketKeys"  // TlsSessionTicketKeys.keys
        case "secret":
            return parent == "generic_secret" || parent == "genericSecret"  // GenericSecret.secret
        case "typed_config", "typedConfig":
            return parent == "private_key_provider" || parent == "privateKeyProvider"  // PrivateKeyProvider.typed_config
        default:
            return false
        }
    }

    /// Runs `body`, scrubbing any `ConfigError` it throws (``scrub(_:in:)``) against `root`.
    static func scrubbingErrors<T>(in root: ConfigNode, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ConfigError {
            throw scrub(error, in: root)
        }
    }

    /// `error` without anything it would show of a sensitive field: no source excerpt when it
    /// points at a line inside one (a key written on one line would be echoed under the
    /// message), and the text of any sensitive value in its message replaced by `[redacted]`.
    static func scrub(_ error: ConfigError, in root: ConfigNode) -> ConfigError {
        var lines: Set<Int> = []
        var values: [String] = []
        collect(root, key: nil, parent: nil, sensitive: false, fileName: error.mark.fileName, lines: &lines, values: &values)
        guard !lines.isEmpty || !values.isEmpty else { return error }
        var message = error.message
        for value in values.sorted(by: { $0.count > $1.count }) where value.utf8.count >= 4 {
            message = message.replacing(value, with: "[redacted]")
        }
        let showsSensitiveLine = lines.contains(error.mark.line)
        guard showsSensitiveLine || message != error.message else { return error }
        return ConfigError(mark: error.mark, message: message, sourceLine: showsSensitiveLine ? nil : error.sourceLine)
    }

    /// YAML text (`--config-yaml`, shown by `/server_info`) with the text of every sensitive
    /// value replaced by `[redacted]`, line by line so block and multi-line scalars go too.
    /// Text that does not parse is fully redacted if it names a sensitive field at all.
    static func redact(yaml text: String) -> String {
        guard !text.isEmpty else { return text }
        guard let root = try? ConfigNode.parse(yaml: text, fileName: "<config-yaml>") else {
            let names = ["private_key", "privateKey", "pkcs12", "password", "session_ticket_keys", "sessionTicketKeys", "secret"]
            return names.contains(where: text.contains) ? redacted : text
        }
        var lines: Set<Int> = []
        var values: [String] = []
        collect(root, key: nil, parent: nil, sensitive: false, fileName: "<config-yaml>", lines: &lines, values: &values)
        var pieces: Set<String> = []
        for value in values {
            pieces.insert(value)
            for line in value.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingPrefix(while: \.isWhitespace)
                if trimmed.utf8.count >= 4 { pieces.insert(String(trimmed)) }
            }
        }
        var result = text
        for piece in pieces.sorted(by: { $0.utf8.count > $1.utf8.count }) where piece.utf8.count >= 4 {
            result = result.replacing(piece, with: redacted)
        }
        return result
    }

    /// Envoy's replacement text for a redacted string field.
    static let redacted = "[redacted]"

    /// The lines (in `fileName`) where sensitive keys and values start, and the sensitive
    /// scalar values, under `node`.
    private static func collect(
        _ node: ConfigNode,
        key: String?,
        parent: String?,
        sensitive: Bool,
        fileName: String,
        lines: inout Set<Int>,
        values: inout [String]
    ) {
        let sensitive = sensitive || key.map { isSensitive($0, parent: parent) } ?? false
        if sensitive, node.mark.fileName == fileName { lines.insert(node.mark.line) }
        switch node {
        case .scalar(let scalar):
            if sensitive, !scalar.isNull { values.append(scalar.value) }
        case .sequence(let sequence):
            for element in sequence.elements {
                collect(element, key: nil, parent: key, sensitive: sensitive, fileName: fileName, lines: &lines, values: &values)
            }
        case .mapping(let mapping):
            for entry in mapping.entries {
                let entrySensitive = sensitive || isSensitive(entry.keyString, parent: key ?? parent)
                if entrySensitive, entry.key.mark.fileName == fileName { lines.insert(entry.key.mark.line) }
                collect(entry.value, key: entry.keyString, parent: key ?? parent, sensitive: sensitive, fileName: fileName, lines: &lines, values: &values)
            }
        }
    }
}
