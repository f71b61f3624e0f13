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

extension FilterStateKey where Value == Bool {
    /// When true, tcp_proxy keeps reading while it connects upstream
    /// (`envoy.tcp_proxy.receive_before_connect`): it takes the bytes it is given into its own
    /// buffer, up to the connection's buffer limit, disables reading beyond that, and forwards
    /// them (and a FIN) once the upstream is ready. Set it from a filter in front of tcp_proxy,
    /// at the latest in that filter's `onNewConnection()`, to read bytes before the upstream
    /// connection exists.
    public static var tcpProxyReceiveBeforeConnect: FilterStateKey<Bool> {
        .init("envoy.tcp_proxy.receive_before_connect")
    }
}
