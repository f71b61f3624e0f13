import RelayConfig
import Testing

@Suite struct BootstrapLoaderTests {
    @Test func configYAMLMergesOnTopOfFile() throws {
        let path = try fixturePath("tls-envoy-https-passthrough")
        let overlay = """
            admin:
              address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            static_resources:
              clusters:
              - name: extra
                type: STATIC
                load_assignment:
                  cluster_name: extra
                  endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 9}}}}]}]
            """
        let bootstrap = try BootstrapLoader().load(path: path, configYAML: overlay)
        // Sequences are appended, new fields added.
        #expect(bootstrap.staticResources.clusters.map(\.name) == ["service-https", "extra"])
        #expect(bootstrap.staticResources.listeners.count == 1)
        #expect(bootstrap.admin?.address?.socketAddress?.portValue == 0)
        // Each node keeps its own source's marks.
        #expect(bootstrap.staticResources.clusters[0].mark.fileName == path)
        #expect(bootstrap.staticResources.clusters[1].mark.fileName == "<config-yaml>")
        #expect(bootstrap.staticResources.clusters[1].mark.line == 5)
    }

    @Test func scalarsReplacedMappingsMergedAcrossCasing() throws {
        let base = try ConfigNode.parse(
            yaml:
                "admin:\n  address: {socket_address: {address: 0.0.0.0, port_value: 9901}}\nstats_flush_interval: 5s\n",
            fileName: "base.yaml"
        )
        let top = try ConfigNode.parse(
            yaml: "admin: {address: {socketAddress: {portValue: 15000}}}\nstats_flush_interval: 1s\nnode: ~\n",
            fileName: "<config-yaml>"
        )
        let merged = base.merging(top)
        let bootstrap = try ConfigDecoder().decode(Bootstrap.self, from: merged)
        let admin = try #require(bootstrap.admin?.address?.socketAddress)
        #expect(admin.address == "0.0.0.0")
        #expect(admin.portValue == 15000)
        #expect(admin.portMark.fileName == "<config-yaml>")
        #expect(admin.mark.fileName == "base.yaml")
        #expect(bootstrap.statsFlushInterval == ConfigDuration(seconds: 1))
        #expect(bootstrap.node == nil)
    }

    @Test func errorsInInlineTextNameConfigYAML() throws {
        let path = try fixturePath("websocket-envoy-wss-passthrough")
        do {
            _ = try BootstrapLoader().load(path: path, configYAML: "static_resources:\n  clusterz: []\n")
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(
                error.description == """
                    <config-yaml>:2:3: error: unknown field 'clusterz' in envoy.config.bootstrap.v3.Bootstrap.StaticResources
                      clusterz: []
                      ^
                    """
            )
        }
        do {
            _ = try BootstrapLoader().load(path: nil, configYAML: "admin: [")
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(error.mark.fileName == "<config-yaml>")
            #expect(error.message.hasPrefix("YAML syntax error"))
        }
    }

    @Test func missingFile() {
        do {
            _ = try BootstrapLoader().load(path: "/nonexistent/relay.yaml")
            Issue.record("expected an error")
        } catch let error as ConfigError {
            #expect(
                error.description
                    == "/nonexistent/relay.yaml: error: cannot read configuration file: No such file or directory"
            )
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func noSourceGiven() {
        #expect(throws: ConfigError.self) { try BootstrapLoader().load(path: nil, configYAML: nil) }
    }

    @Test func emptyConfigIsEmptyBootstrap() throws {
        let bootstrap = try BootstrapLoader().load(yaml: "", fileName: "empty.yaml")
        #expect(bootstrap.admin == nil)
        #expect(bootstrap.staticResources.listeners.isEmpty)
    }

    @Test func aliasesInBootstrap() throws {
        let yaml = """
            static_resources:
              listeners:
              - address: {socket_address: {address: 0.0.0.0, port_value: 10000}}
                filter_chains:
                - filters: &proxy
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: a
                      cluster: c
              - address: {socket_address: {address: 0.0.0.0, port_value: 10001}}
                filter_chains:
                - filters: *proxy
              clusters:
              - &cluster
                name: c
                connect_timeout: 1s
              - <<: *cluster
                name: d
            """
        let bootstrap = try BootstrapLoader().load(yaml: yaml, fileName: "alias.yaml")
        let listeners = bootstrap.staticResources.listeners
        #expect(listeners[1].filterChains[0].filters == listeners[0].filterChains[0].filters)
        #expect(bootstrap.staticResources.clusters.map(\.name) == ["c", "d"])
        #expect(bootstrap.staticResources.clusters[1].connectTimeout == ConfigDuration(seconds: 1))
    }
}
