import BundledFilters
import Foundation
import Relay
import RelayConfig
import RelayServer
import Testing

/// `relay --mode validate` semantics: Envoy's own example bootstraps load unchanged, and
/// broken configs name `file:line:col` and what was expected.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy") && bundledHas("envoy.filters.listener.tls_inspector", .listenerFilter)))
struct BootstrapValidationTests {
    static let fixtures = ["tls-envoy-https-passthrough", "websocket-envoy-wss-passthrough", "tls-inspector-envoy"]

    @Test(arguments: fixtures)
    func envoyExampleLoadsUnchanged(_ name: String) throws {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures"))
        let configuration = try ServerConfiguration.load(path: url.path, registry: .bundled)
        #expect(!configuration.listenerNames.isEmpty)
        #expect(!configuration.clusterNames.isEmpty)
    }

    static let base = """
        static_resources:
          listeners:
          - name: l
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
        FILTERS
          clusters:
          - name: backend
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9 } } }
        """

    static let tcpProxy = """
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: s
                  cluster: CLUSTER
        """

    func load(_ yaml: String) -> String {
        do {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "bad.yaml", registry: .bundled)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    func yaml(filters: String) -> String {
        Self.base.replacingOccurrences(of: "FILTERS", with: filters)
    }

    @Test func yamlSyntaxError() {
        let text = load("static_resources:\n  listeners: [\n")
        #expect(text.hasPrefix("bad.yaml:"))
        #expect(text.contains("error:"))
    }

    @Test func unknownField() {
        let text = load(yaml(filters: Self.tcpProxy.replacingOccurrences(of: "CLUSTER", with: "backend") + "\n          colour: blue"))
        #expect(text.contains("bad.yaml:12:"), "\(text)")
        #expect(text.contains("unknown field 'colour'"), "\(text)")
    }

    @Test func unknownTypeURL() {
        let filters = """
                  - name: my.filter
                    typed_config:
                      "@type": type.googleapis.com/no.Such
            """
        let text = load(yaml(filters: filters))
        #expect(text.contains("bad.yaml:9:"), "\(text)")
        #expect(text.contains("unknown network filter @type 'type.googleapis.com/no.Such'"), "\(text)")
    }

    @Test func badDuration() {
        let text = load(yaml(filters: Self.tcpProxy.replacingOccurrences(of: "CLUSTER", with: "backend") + "\n          idle_timeout: 5m"))
        #expect(text.contains("bad.yaml:12:"), "\(text)")
        #expect(text.contains("5m"), "\(text)")
    }

    @Test func terminalFilterNotLast() {
        let filters = Self.tcpProxy.replacingOccurrences(of: "CLUSTER", with: "backend") + "\n"
            + Self.tcpProxy.replacingOccurrences(of: "CLUSTER", with: "backend")
        let text = load(yaml(filters: filters))
        #expect(text.contains("bad.yaml:7:"), "\(text)")
        #expect(text.contains("terminal filter 'envoy.filters.network.tcp_proxy' must be the last filter"), "\(text)")
    }
}
