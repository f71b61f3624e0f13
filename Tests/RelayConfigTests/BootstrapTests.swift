import RelayConfig
import Testing

@Suite struct BootstrapFixtureTests {
    @Test func tlsInspectorFixture() throws {
        let path = try fixturePath("tls-inspector-envoy")
        let bootstrap = try BootstrapLoader().load(path: path)
        let admin = try #require(bootstrap.admin?.address?.socketAddress)
        #expect(admin.address == "0.0.0.0")
        #expect(admin.portValue == 12345)

        let listeners = bootstrap.staticResources.listeners
        #expect(listeners.count == 1)
        let listener = listeners[0]
        #expect(listener.address.description == "0.0.0.0:10000")
        #expect(listener.listenerFilters.map(\.name) == ["envoy.filters.listener.tls_inspector"])
        #expect(
            listener.listenerFilters[0].typedConfig?.typeURL
                == "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
        )
        #expect(listener.listenerFiltersTimeout == ConfigDuration(seconds: 15))
        #expect(listener.perConnectionBufferLimitBytes == 1_048_576)

        let chains = listener.filterChains
        #expect(chains.count == 3)
        #expect(chains[0].filterChainMatch?.applicationProtocols == ["h2"])
        #expect(chains[0].filterChainMatch?.transportProtocol == "tls")
        #expect(chains[1].filterChainMatch?.applicationProtocols == ["http/1.1"])
        // `filter_chain_match:` with nothing after it is null = unset.
        #expect(chains[2].filterChainMatch == nil)
        #expect(chains[2].filters[0].name == "envoy.filters.network.tcp_proxy")
        let proxy = try #require(chains[2].filters[0].typedConfig)
        #expect(proxy.value["cluster"]?.string == "service-http")
        #expect(proxy.value["stat_prefix"]?.string == "ingress_http")
        #expect(chains[0].mark.fileName == path)
        #expect(chains[0].mark.line == 17)

        let clusters = bootstrap.staticResources.clusters
        #expect(clusters.map(\.name) == ["service-https1", "service-https0", "service-http"])
        #expect(clusters.allSatisfy { $0.type == .strictDNS && $0.lbPolicy == .roundRobin })
        #expect(clusters[2].allEndpoints[0].endpoint?.address?.socketAddress?.portValue == 80)
        #expect(clusters[0].connectTimeout == ConfigDuration(seconds: 5))
        #expect(bootstrap.statsFlushInterval == ConfigDuration(seconds: 5))
    }

    @Test(arguments: [
        ("tls-envoy-https-passthrough", "service-https", "https_passthrough", "service-https", 443),
        ("websocket-envoy-wss-passthrough", "service_wss_passthrough", "wss_passthrough", "service-wss", 443),
    ])
    func passthroughFixtures(name: String, cluster: String, statPrefix: String, host: String, port: Int) throws {
        let bootstrap = try BootstrapLoader().load(path: fixturePath(name))
        #expect(bootstrap.admin == nil)
        let listener = try #require(bootstrap.staticResources.listeners.first)
        #expect(listener.address.socketAddress?.portValue == 10000)
        #expect(listener.filterChains.count == 1)
        #expect(listener.filterChains[0].filterChainMatch == nil)
        #expect(listener.filterChains[0].transportSocket == nil)
        let typed = try #require(listener.filterChains[0].filters.first?.typedConfig)
        #expect(typed.value["cluster"]?.string == cluster)
        #expect(typed.value["stat_prefix"]?.string == statPrefix)
        let clusterConfig = try #require(bootstrap.staticResources.cluster(named: cluster))
        #expect(clusterConfig.type == .strictDNS)
        #expect(clusterConfig.loadAssignment?.clusterName == cluster)
        let socket = try #require(clusterConfig.allEndpoints.first?.endpoint?.address?.socketAddress)
        #expect(socket.address == host)
        #expect(socket.portValue == port)
    }
}

@Suite struct BootstrapModelTests {
    @Test func fullListenerAndCluster() throws {
        let yaml = """
            node:
              id: sidecar~10.0.0.1~productpage.default~default.svc.cluster.local
              cluster: productpage
              metadata: {NAMESPACE: default, LABELS: {app: productpage}}
              locality: {region: us, zone: us-1a, subZone: rack1}
            stats_flush_interval: 1.5s
            static_resources:
              listeners:
              - name: inbound
                address: {socketAddress: {address: "::", portValue: 15006}}
                stat_prefix: inbound
                traffic_direction: INBOUND
                listener_filters_timeout: 0s
                per_connection_buffer_limit_bytes: 32768
                filter_chains:
                  filter_chain_match:
                    destination_port: 9080
                    server_names: [Example.COM, "*.svc.cluster.local"]
                    prefix_ranges: {address_prefix: 10.0.0.0, prefix_len: 8}
                    source_type: SAME_IP_OR_LOOPBACK
                    source_ports: [1234, "5678"]
                  transport_socket:
                    name: envoy.transport_sockets.tls
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                      require_client_certificate: true
                  filters:
                  - name: tcp
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: s
                      cluster: backend
                default_filter_chain:
                  filters: []
              clusters:
              - name: backend
                type: STATIC
                connect_timeout: 0.25s
                lb_policy: 3
                circuit_breakers:
                  thresholds: [{max_connections: 10, priority: HIGH}]
                health_checks:
                - timeout: 1s
                  interval: 2s
                  unhealthy_threshold: 3
                  healthy_threshold: 1
                  tcp_health_check: {send: {text: "50494e47"}, receive: [{binary: UE9ORw==}]}
                metadata:
                  filter_metadata:
                    istio:
                      services:
                      - {host: backend.default.svc.cluster.local, name: backend, namespace: default}
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - locality: {zone: z1}
                    priority: 1
                    lb_endpoints:
                    - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}
                      load_balancing_weight: 5
                      health_status: HEALTHY
                    - endpoint: {address: {socket_address: {address: "::1", port_value: 8081}}}
            """
        let bootstrap = try BootstrapLoader().load(yaml: yaml, fileName: "full.yaml")
        #expect(bootstrap.node?.cluster == "productpage")
        #expect(bootstrap.node?.metadata["LABELS"]?["app"]?.stringValue == "productpage")
        #expect(bootstrap.node?.locality?.subZone == "rack1")
        #expect(bootstrap.statsFlushInterval.milliseconds == 1500)

        let listener = try #require(bootstrap.staticResources.listeners.first)
        #expect(listener.address.description == "[::]:15006")
        #expect(listener.trafficDirection == .inbound)
        #expect(listener.listenerFiltersTimeout == .zero)
        #expect(listener.perConnectionBufferLimitBytes == 32768)
        let chain = listener.filterChains[0]
        let match = try #require(chain.filterChainMatch)
        #expect(match.destinationPort == 9080)
        #expect(match.serverNames == ["example.com", "*.svc.cluster.local"])
        #expect(match.prefixRanges.map(\.description) == ["10.0.0.0/8"])
        #expect(match.sourceType == .sameIPOrLoopback)
        #expect(match.sourcePorts == [1234, 5678])
        #expect(
            chain.transportSocket?.typedConfig?.typeName
                == "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"
        )
        #expect(listener.defaultFilterChain?.filters.isEmpty == true)

        let cluster = try #require(bootstrap.staticResources.clusters.first)
        #expect(cluster.connectTimeout.milliseconds == 250)
        #expect(cluster.lbPolicy == .random)
        #expect(cluster.circuitBreakers?.thresholds(for: .high).maxConnections == 10)
        #expect(cluster.circuitBreakers?.thresholds(for: .default).maxConnections == 1024)
        let check = try #require(cluster.healthChecks.first)
        #expect(check.interval == ConfigDuration(seconds: 2))
        #expect(check.tcpHealthCheck?.send?.bytes == Array("PING".utf8))
        #expect(check.tcpHealthCheck?.receive.first?.bytes == Array("PONG".utf8))
        let service = cluster.metadata?.filterMetadata["istio"]?["services"]?[0]
        #expect(service?["host"]?.stringValue == "backend.default.svc.cluster.local")
        #expect(service?["name"]?.stringValue == "backend")
        #expect(service?["namespace"]?.stringValue == "default")
        let locality = try #require(cluster.loadAssignment?.endpoints.first)
        #expect(locality.priority == 1)
        #expect(locality.locality?.zone == "z1")
        #expect(locality.lbEndpoints[0].loadBalancingWeight == 5)
        #expect(locality.lbEndpoints[0].healthStatus == .healthy)
        #expect(cluster.allEndpoints.count == 2)
    }

    @Test func unknownFieldGolden() {
        let yaml = """
            static_resources:
              clusters:
              - name: backend
                conect_timeout: 1s
            """
        #expect(
            bootstrapError(yaml) == """
                envoy.yaml:4:5: error: unknown field 'conect_timeout' in envoy.config.cluster.v3.Cluster
                    conect_timeout: 1s
                    ^
                """
        )
    }

    @Test func badDurationGolden() {
        let yaml = """
            static_resources:
              clusters:
              - name: backend
                connect_timeout: 100ms
            """
        #expect(
            bootstrapError(yaml) == """
                envoy.yaml:4:22: error: invalid duration '100ms' for 'connect_timeout': expected seconds with an 's' suffix and at most 9 fractional digits, like '1s', '0.25s' or '1.5s'
                    connect_timeout: 100ms
                                     ^
                """
        )
    }

    @Test func wrongTypeGolden() {
        let yaml = """
            admin:
              address:
                socket_address: {address: 127.0.0.1, port_value: abc}
            """
        #expect(
            bootstrapError(yaml) == """
                envoy.yaml:3:54: error: expected an integer for 'port_value', found 'abc'
                    socket_address: {address: 127.0.0.1, port_value: abc}
                                                                     ^
                """
        )
    }

    @Test func portOutOfRangeGolden() {
        let yaml = """
            admin:
              address:
                socket_address:
                  address: 127.0.0.1
                  port_value: 70000
            """
        #expect(
            bootstrapError(yaml) == """
                envoy.yaml:5:19: error: port_value 70000 is out of range: must be at most 65535
                      port_value: 70000
                                  ^
                """
        )
    }

    @Test func emptyClusterNameGolden() {
        let yaml = """
            static_resources:
              clusters:
              - name: ""
                type: STATIC
            """
        #expect(
            bootstrapError(yaml) == """
                envoy.yaml:3:11: error: cluster name must not be empty
                  - name: ""
                          ^
                """
        )
    }

    @Test func listenerWithoutChainsGolden() {
        let yaml = """
            static_resources:
              listeners:
              - name: ingress
                address: {socket_address: {address: 0.0.0.0, port_value: 10000}}
            """
        #expect(
            bootstrapError(yaml) == """
                envoy.yaml:3:5: error: error adding listener 'ingress': no filter chains specified
                  - name: ingress
                    ^
                """
        )
    }

    @Test func otherValidationErrors() {
        let cluster = "static_resources:\n  clusters:\n  - name: c\n"
        #expect(
            bootstrapError(cluster + "    connect_timeout: 0s\n")?.hasPrefix(
                "envoy.yaml:4:22: error: connect_timeout of cluster 'c' must be greater than 0s, found '0s'"
            ) == true
        )
        let staticHost =
            cluster + """
                    load_assignment:
                      cluster_name: c
                      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: example.com, port_value: 80}}}}]}]
                """
        #expect(
            bootstrapError(staticHost)?.hasPrefix(
                "envoy.yaml:6:83: error: STATIC cluster 'c' needs IP address endpoints, found 'example.com'"
            ) == true
        )
        let logical =
            cluster + """
                    type: LOGICAL_DNS
                    load_assignment:
                      cluster_name: c
                      endpoints:
                      - lb_endpoints:
                        - endpoint: {address: {socket_address: {address: a.example, port_value: 80}}}
                        - endpoint: {address: {socket_address: {address: b.example, port_value: 80}}}
                """
        #expect(
            bootstrapError(logical)?.hasPrefix(
                "envoy.yaml:6:7: error: LOGICAL_DNS cluster 'c' must have a single locality_lb_endpoint and a single lb_endpoint"
            ) == true
        )
        #expect(
            bootstrapError(cluster + "    type: STRICT_DNSS\n")?.contains(
                "unknown value 'STRICT_DNSS' for 'type'; expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST"
            ) == true
        )
        #expect(
            bootstrapError(cluster + "  - name: c\n")?.hasPrefix(
                "envoy.yaml:4:11: error: duplicate cluster 'c' (first defined at envoy.yaml:3:11)"
            ) == true
        )
        let suffix = """
            static_resources:
              listeners:
              - address: {socket_address: {address: 0.0.0.0, port_value: 1}}
                filter_chains: [{filter_chain_match: {address_suffix: 1.2.3.4}, filters: []}]
            """
        #expect(
            bootstrapError(suffix)?.hasPrefix(
                "envoy.yaml:4:43: error: 'address_suffix' in filter_chain_match is not implemented"
            ) == true
        )
        let wildcard = """
            static_resources:
              listeners:
              - address: {socket_address: {address: 0.0.0.0, port_value: 1}}
                filter_chains: [{filter_chain_match: {server_names: ["*w.a.com"]}}]
            """
        #expect(bootstrapError(wildcard)?.contains("partial wildcards are not supported in server_names") == true)
    }
}
