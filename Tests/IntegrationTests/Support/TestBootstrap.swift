/// The bootstrap most integration tests start from: one listener `front` on 127.0.0.1:0 whose
/// only chain is tcp_proxy (`stat_prefix: front`) to cluster `backend` at 127.0.0.1:`backend`
/// (or one endpoint per port of `backends`, in order).
/// `top` goes before `static_resources`; `resources` are extra lines under `static_resources`
/// (2 spaces, e.g. `secrets`); `listener` and `cluster` are extra lines indented for the
/// listener's and the cluster's mapping (4 spaces); `chain` for the filter chain's (6 spaces,
/// e.g. a `transport_socket`); `proxy` for the tcp_proxy's typed_config (10 spaces, e.g.
/// `max_connect_attempts`). `connectTimeout`, when given, is the cluster's `connect_timeout`.
enum TestBootstrap {
    /// An admin server on 127.0.0.1:0, for `top`.
    static let admin = """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        """

    /// `stat_prefix: front` on the listener, for `listener`.
    static let listenerStatPrefix = "    stat_prefix: front"

    static func tcpProxy(backend: Int, top: String = "", listener: String = "", cluster: String = "") -> String {
        tcpProxy(backends: [backend], top: top, listener: listener, cluster: cluster)
    }

    static func tcpProxy(
        backends: [Int],
        top: String = "",
        resources: String = "",
        listener: String = "",
        chain: String = "",
        proxy: String = "",
        cluster: String = "",
        connectTimeout: String? = nil
    ) -> String {
        let endpoints = backends.map {
            "        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \($0) } } }"
        }.joined(separator: "\n")
        // The new slots add no line when empty, so the lines stay where tests expect them.
        func lines(_ text: String?) -> String {
            guard let text, !text.isEmpty else { return "" }
            return "\n" + text
        }
        return """
            \(top)
            static_resources:\(lines(resources))
              listeners:
              - name: front
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            \(listener)
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: front
                      cluster: backend\(lines(proxy))\(lines(chain))
              clusters:
              - name: backend\(lines(connectTimeout.map { "    connect_timeout: \($0)" }))
            \(cluster)
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - lb_endpoints:
            \(endpoints)
            """
    }
}
