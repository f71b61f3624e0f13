import RelayConfig

/// `/config_dump`: the bootstrap as JSON, in Envoy's `{"configs":[…]}` envelope, with
/// sensitive fields (``SensitiveFields``) redacted as Envoy's `MessageUtil::redact` does: every
/// string under one becomes `"[redacted]"` and every bytes field (`inline_bytes`) the base64 of
/// it, so `private_key: {filename: …}` still shows that a file is used, not which.
enum ConfigDump {
    static func render(bootstrap: ConfigNode) -> String {
        var configs: [String] = []
        configs.append("{\"@type\":\"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\",\"bootstrap\":\(json(bootstrap))}")
        let resources = bootstrap["static_resources"] ?? bootstrap["staticResources"]
        let clusters = (resources?["clusters"]?.sequence?.elements ?? []).map { "{\"cluster\":\(json($0))}" }
        configs.append("{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\",\"static_clusters\":[\(clusters.joined(separator: ","))]}")
        let listeners = (resources?["listeners"]?.sequence?.elements ?? []).map { "{\"listener\":\(json($0))}" }
        configs.append("{\"@type\":\"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\",\"static_listeners\":[\(listeners.joined(separator: ","))]}")
        return "{\"configs\":[" + configs.joined(separator: ",") + "]}\n"
    }

    static func json(_ node: ConfigNode, key: String? = nil, parent: String? = nil, sensitive: Bool = false) -> String {
        let sensitive = sensitive || key.map { SensitiveFields.isSensitive($0, parent: parent) } ?? false
        switch node {
        case .scalar(let scalar):
            if scalar.isNull { return "null" }
            if sensitive && key != "@type" {
                // As Envoy (an `Any`'s type URL stays): strings become "[redacted]", bytes the base64 of it.
                return quote(key == "inline_bytes" || key == "inlineBytes" ? redactedBytes : redacted)
            }
            if !scalar.isExplicitString {
                if scalar.value == "true" || scalar.value == "false" { return scalar.value }
                if Double(scalar.value) != nil, !scalar.value.hasPrefix("0") || scalar.value == "0" || scalar.value.hasPrefix("0.") {
                    return scalar.value
                }
            }
            return quote(scalar.value)
        case .sequence(let sequence):
            // Elements of a repeated field belong to that field (its name is the key).
            return "[" + sequence.elements.map { json($0, key: nil, parent: key, sensitive: sensitive) }.joined(separator: ",") + "]"
        case .mapping(let mapping):
            return "{"
                + mapping.entries.map {
                    quote($0.keyString) + ":" + json($0.value, key: $0.keyString, parent: key ?? parent, sensitive: sensitive)
                }.joined(separator: ",") + "}"
        }
    }

    /// Envoy's replacement text for a redacted string field.
    static let redacted = SensitiveFields.redacted
    /// Envoy's replacement for a redacted bytes field, as proto JSON shows bytes (base64).
    static let redactedBytes = "W3JlZGFjdGVkXQ=="

    private static func quote(_ text: String) -> String {
        AdminJSON.string(text)
    }
}
