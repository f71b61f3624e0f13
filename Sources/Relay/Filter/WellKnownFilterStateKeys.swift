extension FilterStateKey where Value == String {
    /// Overrides the cluster tcp_proxy connects to (`envoy.tcp_proxy.cluster`).
    public static var tcpProxyCluster: FilterStateKey<String> { .init("envoy.tcp_proxy.cluster") }
    /// Overrides the SNI an upstream TLS connection sends (`envoy.network.upstream_server_name`).
    public static var upstreamServerName: FilterStateKey<String> { .init("envoy.network.upstream_server_name") }
}

extension FilterStateKey where Value == [String] {
    /// Overrides the ALPN list an upstream TLS connection offers
    /// (`envoy.network.application_protocols`).
    public static var upstreamApplicationProtocols: FilterStateKey<[String]> {
        .init("envoy.network.application_protocols")
    }
}
