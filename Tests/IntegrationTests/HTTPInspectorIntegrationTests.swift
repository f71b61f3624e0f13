import BundledFilters
import Foundation
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Synchronization
import Testing

/// http_inspector on real sockets: HTTP/1.1, h2c and raw bytes reach different chains, by
/// `filter_chain_match.application_protocols` and by a `filter_chain_matcher`, byte-exact.
@Suite(
    .enabled(if: bundledHas("envoy.filters.network.tcp_proxy") && bundledHas("envoy.filters.listener.http_inspector", .listenerFilter)),
    .timeLimit(.minutes(1))
)
struct HTTPInspectorIntegrationTests {
    static let inspector = """
            listener_filters:
            - name: envoy.filters.listener.http_inspector
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector
        """

    static let http11 = Array("GET /index.html HTTP/1.1\r\nHost: relay.test\r\n\r\n".utf8)
    static let http10 = Array("HEAD / HTTP/1.0\r\n\r\n".utf8)
    // The preface followed by an empty SETTINGS frame.
    static let h2c = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
    static let raw: [UInt8] = [0x00, 0xFF, 0x10] + Array("not http at all".utf8)

    typealias Support = FilterChainMatcherIntegrationTests

    func route(_ relay: RunningRelay, _ backends: [String: RecordingBackend], _ cases: [([UInt8], String)]) async throws {
        for (payload, chain) in cases {
            #expect(try await Support.exchange(port: relay.port("front"), payload: payload) == payload)
            #expect(Support.reached(backends, payload) == [chain], "\(String(decoding: payload.prefix(8), as: UTF8.self))")
            for backend in backends.values { backend.record.state.withLock { $0.bytes = [] } }
        }
    }

    @Test func chainsByApplicationProtocolsSeeThePeekedBytesUnchanged() async throws {
        let backends = try await Support.startBackends(["h1", "h2c", "raw"])
        let yaml = """
            static_resources:
              listeners:
              - name: front
                stat_prefix: front
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            \(Self.inspector)
                filter_chains:
                - filter_chain_match: { application_protocols: [http/1.1, http/1.0] }
                  filters:
            \(TLSYAML.tcpProxy("h1"))
                - filter_chain_match: { application_protocols: [h2c] }
                  filters:
            \(TLSYAML.tcpProxy("h2c"))
                - filters:
            \(TLSYAML.tcpProxy("raw"))
              clusters:
            \(["h1", "h2c", "raw"].map { TLSYAML.cluster($0, port: backends[$0]!.port) }.joined(separator: "\n"))
            """
        let relay = try await RunningRelay.start(yaml: yaml)
        try await route(relay, backends, [(Self.http11, "h1"), (Self.h2c, "h2c"), (Self.raw, "raw"), (Self.http10, "h1")])
        #expect(relay.counter("http_inspector.http11_found") == 1)
        #expect(relay.counter("http_inspector.http10_found") == 1)
        #expect(relay.counter("http_inspector.http2_found") == 1)
        #expect(relay.counter("http_inspector.http_not_found") == 1)
        await relay.stop()
        await Support.stop(backends)
    }

    @Test func theMatcherReadsTheDetectedProtocol() async throws {
        let backends = try await Support.startBackends(["h1", "h2c", "raw"])
        let relay = try await RunningRelay.start(yaml: Support.yaml(matcher: """
                  matcher_tree:
                    input: \(Support.input("ApplicationProtocolInput"))
                    exact_match_map:
                      map:
                        "'http/1.1'": \(Support.action("h1"))
                        "'h2c'": \(Support.action("h2c"))
                  on_no_match: \(Support.action("raw"))
            """, backends: backends, listenerExtra: Self.inspector))
        try await route(relay, backends, [(Self.h2c, "h2c"), (Self.http11, "h1"), (Self.raw, "raw")])
        await relay.stop()
        await Support.stop(backends)
    }

    @Test func aRequestLineSentInPiecesIsStillDetected() async throws {
        let backends = try await Support.startBackends(["h1", "raw"])
        let relay = try await RunningRelay.start(yaml: Support.yaml(matcher: """
                  matcher_list:
                    matchers:
                    - predicate: { single_predicate: { input: \(Support.input("ApplicationProtocolInput")), value_match: { exact: "'http/1.1'" } } }
                      on_match: \(Support.action("h1"))
                  on_no_match: \(Support.action("raw"))
            """, backends: backends, listenerExtra: Self.inspector))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: relay.port("front")).get()
        for piece in [Array(Self.http11.prefix(5)), Array(Self.http11.dropFirst(5).prefix(12)), Array(Self.http11.dropFirst(17))] {
            // Each piece is read before the next is sent: the socket is still being inspected.
            #expect(try await eventually { relay.gauge("listener.front.downstream_pre_cx_active") == 1 })
            #expect(backends["h1"]!.connections == 0)
            try await channel.writeAndFlush(ByteBuffer(bytes: piece)).get()
        }
        #expect(try await eventually { backends["h1"]!.received == Self.http11 })
        #expect(backends["raw"]!.connections == 0)
        try await channel.close()
        await relay.stop()
        await Support.stop(backends)
    }

    @Test func loadsByNameAloneAndRefusesUnknownFields() async throws {
        let backend = try await RecordingBackend.start()
        let base = Support.yaml(matcher: "      on_no_match: \(Support.action("a"))", backends: ["a": backend], listenerExtra: """
                listener_filters:
                - name: envoy.filters.listener.http_inspector
            """)
        _ = try ServerConfiguration.load(yaml: base, fileName: "h.yaml", registry: .bundled)
        let withField = base.replacingOccurrences(
            of: "    - name: envoy.filters.listener.http_inspector\n",
            with: "    - name: envoy.filters.listener.http_inspector\n      typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector, bogus: 1 }\n"
        )
        #expect(withField != base)
        #expect {
            _ = try ServerConfiguration.load(yaml: withField, fileName: "h.yaml", registry: .bundled)
        } throws: { error in
            "\(error)".hasPrefix("h.yaml:") && "\(error)".contains("bogus")
        }
        await backend.stop()
    }
}
