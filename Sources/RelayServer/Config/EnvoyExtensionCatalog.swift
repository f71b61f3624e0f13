import Relay

/// Extensions Envoy ships that Relay does not, so that a real Envoy config naming one is told
/// `'<name>' is not supported by Relay` rather than that the name is unknown (which is kept for
/// typos, with the closest registered names).
enum EnvoyExtensionCatalog {
    /// Envoy's extension names (`source/extensions/extensions_build_config.bzl` and contrib),
    /// for the categories a static L4 config can name.
    static let names: Set<String> = [
        // Network filters.
        "envoy.filters.network.connection_limit", "envoy.filters.network.direct_response",
        "envoy.filters.network.dubbo_proxy", "envoy.filters.network.echo", "envoy.filters.network.ext_authz",
        "envoy.filters.network.ext_proc", "envoy.filters.network.generic_proxy",
        "envoy.filters.network.http_connection_manager", "envoy.filters.network.local_ratelimit",
        "envoy.filters.network.mongo_proxy", "envoy.filters.network.ratelimit", "envoy.filters.network.rbac",
        "envoy.filters.network.redis_proxy", "envoy.filters.network.set_filter_state",
        "envoy.filters.network.sni_cluster", "envoy.filters.network.sni_dynamic_forward_proxy",
        "envoy.filters.network.thrift_proxy", "envoy.filters.network.wasm", "envoy.filters.network.zookeeper_proxy",
        "envoy.filters.network.client_ssl_auth", "envoy.filters.network.kafka_broker",
        "envoy.filters.network.kafka_mesh", "envoy.filters.network.mysql_proxy", "envoy.filters.network.postgres_proxy",
        "envoy.filters.network.rocketmq_proxy", "envoy.filters.network.sip_proxy", "envoy.filters.network.golang",
        "envoy.filters.network.reverse_tunnel", "envoy.filters.network.geoip",
        // Listener filters.
        "envoy.filters.listener.http_inspector", "envoy.filters.listener.local_ratelimit",
        "envoy.filters.listener.original_dst", "envoy.filters.listener.original_src",
        "envoy.filters.listener.proxy_protocol", "envoy.filters.listener.dynamic_modules",
        // UDP.
        "envoy.filters.udp_listener.udp_proxy", "envoy.filters.udp_listener.dns_filter",
        // Transport sockets.
        "envoy.transport_sockets.alts", "envoy.transport_sockets.http_11_proxy",
        "envoy.transport_sockets.internal_upstream", "envoy.transport_sockets.proxy_protocol",
        "envoy.transport_sockets.starttls", "envoy.transport_sockets.tap", "envoy.transport_sockets.tcp_stats",
        "envoy.transport_sockets.quic", "envoy.transport_sockets.upstream_proxy_protocol",
        // Access loggers.
        "envoy.access_loggers.http_grpc", "envoy.access_loggers.tcp_grpc", "envoy.access_loggers.open_telemetry",
        "envoy.access_loggers.fluentd", "envoy.access_loggers.wasm",
    ]

    /// The extension name a type URL belongs to, by Envoy's naming:
    /// `…/envoy.extensions.filters.network.kafka_broker.v3.KafkaBroker` →
    /// `envoy.filters.network.kafka_broker` (the package minus `extensions.` and the version).
    static func name(ofTypeURL typeURL: String) -> String? {
        let message = typeURL.split(separator: "/").last.map(String.init) ?? typeURL
        var parts = message.split(separator: ".").map(String.init)
        guard parts.count >= 4, parts[0] == "envoy", parts[1] == "extensions" else { return nil }
        parts.removeLast()  // message
        if let version = parts.last, version.first == "v", version.dropFirst().first?.isNumber == true {
            parts.removeLast()
        }
        parts.remove(at: 1)
        return parts.joined(separator: ".")
    }

    /// The Envoy extension named by `name` or `typeURL`, when Relay lacks it.
    static func unsupported(name: String, typeURL: String?) -> String? {
        if let typeURL, let derived = self.name(ofTypeURL: typeURL), names.contains(derived) { return derived }
        return names.contains(name) ? name : nil
    }

    /// Up to three of `candidates` closest to `text` (edit distance), for "did you mean".
    static func closest(to text: String, in candidates: [String]) -> [String] {
        let scored = candidates.map { ($0, distance(text, $0)) }
        let limit = max(3, text.count / 3)
        return scored.filter { $0.1 <= limit }.sorted { $0.1 < $1.1 }.prefix(3).map(\.0)
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
