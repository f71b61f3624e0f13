import BundledFilters
import NIOCore
import NIOPosix
import Relay
import RelayConfig
import RelayServer
import Testing

/// The bootstrap's `stats_config` on a running server: `stats_tags` (fixed value and regex),
/// `stats_matcher`, and the errors for what cannot work.
@Suite(.timeLimit(.minutes(1)))
struct StatsConfigIntegrationTests {
    static func yaml(backend: Int, statsConfig: String) -> String {
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        stats_config:
        \(statsConfig)
        static_resources:
          listeners:
          - name: front
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: front
                  cluster: backend
          clusters:
          - name: backend
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(backend) } } }
        """
    }

    @Test("stats_tags add labels Envoy's way; stats_matcher leaves stats out of every view")
    func tagsAndMatcher() async throws {
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let relay = try await RunningRelay.start(yaml: Self.yaml(backend: backend.port, statsConfig: """
              stats_tags:
              - { tag_name: mesh_id, fixed_value: mesh-a }
              - { tag_name: direction, regex: '\\.(?:downstream|upstream)_(cx)_total$' }
              stats_matcher:
                exclusion_list:
                  patterns:
                  - prefix: cluster.backend.upstream_cx_connect
                  - safe_regex: { regex: '.*_bytes_buffered' }
            """))
        _ = try await TestClient.exchange(port: relay.port("front"), payload: ByteBuffer(string: "hi"), group: MultiThreadedEventLoopGroup.singleton)
        let admin = try #require(relay.server.adminAddress?.port)
        let prometheus = try await AdminClient.request(port: admin, "/stats/prometheus").body
        // Rules without a leading literal token run first, then `tcp.$.**`: Envoy's order.
        #expect(prometheus.contains(#"envoy_tcp_downstream__total{mesh_id="mesh-a",direction="cx",envoy_tcp_prefix="front"} 1"#), "\(prometheus)")
        #expect(prometheus.contains(#"envoy_cluster_upstream__total{mesh_id="mesh-a",direction="cx",envoy_cluster_name="backend"} 1"#))
        let text = try await AdminClient.request(port: admin, "/stats").body
        #expect(text.contains("cluster.backend.upstream_cx_total: 1"))
        #expect(!text.contains("upstream_cx_connect"))
        #expect(!prometheus.contains("upstream_cx_connect"))
        #expect(!text.contains("_bytes_buffered"))
        await relay.stop()
        await backend.stop()
    }

    @Test("a bad regex or an unknown default tag is an error at its file:line:col")
    func errors() throws {
        let badRegex = Self.yaml(backend: 1, statsConfig: "  stats_tags: [{ tag_name: x, regex: '(' }]")
        #expect {
            _ = try ServerConfiguration.load(yaml: badRegex, fileName: "s.yaml", registry: .bundled)
        } throws: { error in
            "\(error)".contains("s.yaml:4:16") && "\(error)".contains("invalid regex '('")
        }
        let unknown = Self.yaml(backend: 1, statsConfig: "  stats_tags: [{ tag_name: no.such.tag }]")
        #expect {
            _ = try ServerConfiguration.load(yaml: unknown, fileName: "s.yaml", registry: .bundled)
        } throws: { error in
            "\(error)".contains("s.yaml:4:16") && "\(error)".contains("no default regex for name: 'no.such.tag'")
        }
        let rejectAll = Self.yaml(backend: 1, statsConfig: "  stats_matcher: { reject_all: true }")
        let configuration = try ServerConfiguration.load(yaml: rejectAll, fileName: "s.yaml", registry: .bundled)
        #expect(configuration.stats.snapshot().counters.isEmpty)
    }
}
