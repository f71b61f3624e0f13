/// The bootstrap most integration tests start from: one listener `front` on 127.0.0.1:0 whose
/// only chain is tcp_proxy (`stat_prefix: front`) to cluster `backend` at 127.0.0.1:`backend`.
/// `top` goes before `static_resources`; `listener` and `cluster` are extra lines indented for
/// the listener's and the cluster's mapping (4 spaces).
enum TestBootstrap {
    static func tcpProxy(backend: Int, top: String = "", listener: String = "", cluster: String = "") -> String {
        """
        \(top)
        static_resources:
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
                  cluster: backend
          clusters:
          - name: backend
        \(cluster)
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(backend) } } }
        """
    }
}
