import RelayConfig

/// `/config_dump`: the bootstrap as JSON, in Envoy's `{"configs":[…]}` envelope, with
/// private keys redacted.
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

    static func json(_ node: ConfigNode, key: String? = nil) -> String {
        if let key, key == "private_key" || key == "privateKey" || key == "password" {
            return "{\"inline_string\":\"[redacted]\"}"
        }
        switch node {
        case .scalar(let scalar):
            if scalar.isNull { return "null" }
            if !scalar.isExplicitString {
                if scalar.value == "true" || scalar.value == "false" { return scalar.value }
                if Double(scalar.value) != nil, !scalar.value.hasPrefix("0") || scalar.value == "0" || scalar.value.hasPrefix("0.") {
                    return scalar.value
                }
            }
            return quote(scalar.value)
        case .sequence(let sequence):
            return "[" + sequence.elements.map { json($0) }.joined(separator: ",") + "]"
        case .mapping(let mapping):
            return "{" + mapping.entries.map { quote($0.keyString) + ":" + json($0.value, key: $0.keyString) }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        AdminJSON.string(text)
    }
}
