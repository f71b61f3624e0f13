import BundledFilters
import Foundation
import Logging
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Synchronization
import Testing

/// `filter_chain_matcher` through the real server on real sockets: chains chosen by
/// destination port, SNI, ALPN and source IP range; `on_no_match`; precedence over
/// `filter_chain_match`; no match closing the connection.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct FilterChainMatcherIntegrationTests {
    static func input(_ name: String) -> String {
        "{ name: \(name), typed_config: { \"@type\": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.\(name) } }"
    }

    static func action(_ chain: String) -> String {
        "{ action: { name: \(chain), typed_config: { \"@type\": type.googleapis.com/google.protobuf.StringValue, value: \(chain) } } }"
    }

    /// A listener `front` at `address` with `listenerExtra` (4-space indented lines), chains
    /// `a`, `b`, `c` proxying to the backends of the same names, and `chainMatch` written under
    /// each chain (as `filter_chain_match`) when given.
    static func yaml(
        address: String = "127.0.0.1",
        port: Int = 0,
        matcher: String,
        backends: [String: RecordingBackend],
        chainMatch: [String: String] = [:],
        listenerExtra: String = ""
    ) -> String {
        let names = backends.keys.sorted()
        let chains = names.map { name in
            """
                - name: \(name)
            \(chainMatch[name].map { "      filter_chain_match: \($0)" } ?? "")
                  filters:
            \(TLSYAML.tcpProxy(name))
            """
        }.joined(separator: "\n")
        return """
            static_resources:
              listeners:
              - name: front
                stat_prefix: front
                address: { socket_address: { address: \(address), port_value: \(port) } }
            \(listenerExtra)
                filter_chain_matcher:
            \(matcher)
                filter_chains:
            \(chains)
              clusters:
            \(names.map { TLSYAML.cluster($0, port: backends[$0]!.port) }.joined(separator: "\n"))
            """
    }

    /// Sends `payload` from `source` (when given) to `host:port`, half-closes and returns the
    /// echo.
    static func exchange(host: String = "127.0.0.1", port: Int, source: String? = nil, payload: [UInt8]) async throws -> [UInt8] {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
        if let source {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0))
        }
        let channel = try await bootstrap.connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(isOutboundHalfClosureEnabled: true)
                )
            }
        }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: payload))
            outbound.finish()
            var received: [UInt8] = []
            for try await chunk in inbound { received += chunk.readableBytesView }
            return received
        }
    }

    static func startBackends(_ names: [String]) async throws -> [String: RecordingBackend] {
        var backends: [String: RecordingBackend] = [:]
        for name in names { backends[name] = try await RecordingBackend.start() }
        return backends
    }

    static func stop(_ backends: [String: RecordingBackend]) async {
        for backend in backends.values { await backend.stop() }
    }

    /// Which backends saw exactly `payload` (and no other bytes).
    static func reached(_ backends: [String: RecordingBackend], _ payload: [UInt8]) -> [String] {
        backends.filter { $0.value.received == payload }.keys.sorted()
    }

    @Test func destinationPortSelectsTheChainAndOtherPortsFallToOnNoMatch() async throws {
        let backends = try await Self.startBackends(["a", "b"])
        // Learn a free port, then let the matcher name it (the listener binds it). Another
        // suite's port-0 bind can take the port in between: then try another one.
        var started: (relay: RunningRelay, port: Int)?
        for _ in 0..<5 where started == nil {
            let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
            let port = probe.localAddress!.port!
            try await probe.close()
            let yaml = Self.yaml(port: port, matcher: """
                      matcher_tree:
                        input: \(Self.input("DestinationPortInput"))
                        exact_match_map:
                          map:
                            "\(port)": \(Self.action("a"))
                            "1": \(Self.action("b"))
                """, backends: backends)
            do {
                started = (try await RunningRelay.start(yaml: yaml), port)
            } catch is BindError {
                continue
            }
        }
        let (relay, port) = try #require(started)
        let payload = Array("to port \(port)".utf8)
        #expect(try await Self.exchange(port: relay.port("front"), payload: payload) == payload)
        #expect(Self.reached(backends, payload) == ["a"])
        await relay.stop()
        await Self.stop(backends)
    }

    @Test func destinationIPSelectsTheChainOnAWildcardListener() async throws {
        let backends = try await Self.startBackends(["a", "b"])
        let relay = try await RunningRelay.start(yaml: Self.yaml(address: "0.0.0.0", matcher: """
                  matcher_tree:
                    input: \(Self.input("DestinationIPInput"))
                    exact_match_map: { map: { 127.0.0.1: \(Self.action("a")), 127.0.0.3: \(Self.action("b")) } }
            """, backends: backends))
        for (host, chain) in [("127.0.0.1", "a"), ("127.0.0.3", "b")] {
            let payload = Array("to \(host)".utf8)
            #expect(try await Self.exchange(host: host, port: relay.port("front"), payload: payload) == payload)
            #expect(Self.reached(backends, payload) == [chain], "to \(host)")
        }
        await relay.stop()
        await Self.stop(backends)
    }

    @Test func sourceIPRangesSelectChainsAndOnNoMatchTakesTheRest() async throws {
        let backends = try await Self.startBackends(["a", "b", "c"])
        let relay = try await RunningRelay.start(yaml: Self.yaml(matcher: """
                  matcher_tree:
                    input: \(Self.input("SourceIPInput"))
                    custom_match:
                      name: ip
                      typed_config:
                        "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                        range_matchers:
                        - ranges: [{ address_prefix: 127.0.0.0, prefix_len: 8 }]
                          on_match: \(Self.action("a"))
                        - ranges: [{ address_prefix: 127.0.0.2, prefix_len: 32 }]
                          on_match: \(Self.action("b"))
                        - ranges: [{ address_prefix: 127.0.0.3, prefix_len: 32 }]
                          on_match:
                            matcher:
                              matcher_tree:
                                input: \(Self.input("ServerNameInput"))
                                exact_match_map: { map: { never.example: \(Self.action("a")) } }
                              on_no_match: \(Self.action("c"))
            """, backends: backends))
        let port = relay.port("front")
        for (source, chain) in [("127.0.0.1", "a"), ("127.0.0.2", "b"), ("127.0.0.3", "c")] {
            let payload = Array("from \(source)".utf8)
            #expect(try await Self.exchange(port: port, source: source, payload: payload) == payload)
            #expect(Self.reached(backends, payload) == [chain], "from \(source)")
            for backend in backends.values { backend.record.state.withLock { $0.bytes = [] } }
        }
        await relay.stop()
        await Self.stop(backends)
    }

    @Test func sniAndALPNFromTLSInspectorSelectChainsByteExact() async throws {
        let backends = try await Self.startBackends(["a", "b", "c"])
        let relay = try await RunningRelay.start(yaml: Self.yaml(matcher: """
                  matcher_list:
                    matchers:
                    - predicate:
                        and_matcher:
                          predicate:
                          - single_predicate: { input: \(Self.input("TransportProtocolInput")), value_match: { exact: tls } }
                          - single_predicate: { input: \(Self.input("ApplicationProtocolInput")), value_match: { contains: "'h2'" } }
                      on_match: \(Self.action("a"))
                    - predicate:
                        single_predicate: { input: \(Self.input("ServerNameInput")), value_match: { suffix: .example.com } }
                      on_match: \(Self.action("b"))
                  on_no_match: \(Self.action("c"))
            """, backends: backends, listenerExtra: TLSYAML.tlsInspector))
        let port = relay.port("front")
        let cases: [([UInt8], String)] = [
            (TLSInspectorIntegrationTests.clientHello(serverName: "svc.other", alpn: ["http/1.1", "h2"]), "a"),
            (TLSInspectorIntegrationTests.clientHello(serverName: "api.example.com", alpn: ["http/1.1"]), "b"),
            (TLSInspectorIntegrationTests.clientHello(serverName: "svc.other", alpn: ["http/1.1"]), "c"),
            (Array("plain bytes".utf8), "c"),
        ]
        for (payload, chain) in cases {
            #expect(try await Self.exchange(port: port, payload: payload) == payload)
            #expect(Self.reached(backends, payload) == [chain])
            for backend in backends.values { backend.record.state.withLock { $0.bytes = [] } }
        }
        await relay.stop()
        await Self.stop(backends)
    }

    @Test func theMatcherTakesPrecedenceOverFilterChainMatchAndDuplicateRulesAreAllowed() async throws {
        let backends = try await Self.startBackends(["a", "b", "c"])
        // By filter_chain_match alone, `b` could never be chosen for plaintext (it wants an SNI)
        // and `a`/`c` would be a duplicate-rule error. The matcher ignores them all.
        let relay = try await RunningRelay.start(yaml: Self.yaml(matcher: """
                  on_no_match: \(Self.action("b"))
            """, backends: backends, chainMatch: [
                "a": "{ transport_protocol: raw_buffer }",
                "b": "{ server_names: [never.example] }",
                "c": "{ transport_protocol: raw_buffer }",
            ]))
        let payload = Array("who wins".utf8)
        #expect(try await Self.exchange(port: relay.port("front"), payload: payload) == payload)
        #expect(Self.reached(backends, payload) == ["b"])
        await relay.stop()
        await Self.stop(backends)
    }

    @Test func noMatchWithoutDefaultChainClosesAndCounts() async throws {
        let backends = try await Self.startBackends(["a"])
        let relay = try await RunningRelay.start(yaml: Self.yaml(matcher: """
                  matcher_tree:
                    input: \(Self.input("ServerNameInput"))
                    exact_match_map: { map: { only.example: \(Self.action("a")) } }
            """, backends: backends))
        // Relay closes without reading; with the client's bytes unread the kernel may answer
        // with a reset instead of a FIN, so either ends the exchange with nothing received.
        let reply = (try? await Self.exchange(port: relay.port("front"), payload: Array("nobody".utf8))) ?? []
        #expect(reply.isEmpty)
        #expect(try await eventually { relay.counter("listener.front.no_filter_chain_match") == 1 })
        #expect(backends["a"]!.connections == 0)
        await relay.stop()
        await Self.stop(backends)
    }

    @Test func noMatchUsesTheDefaultFilterChain() async throws {
        let backends = try await Self.startBackends(["a", "d"])
        let yaml = Self.yaml(matcher: """
                  matcher_tree:
                    input: \(Self.input("ServerNameInput"))
                    exact_match_map: { map: { only.example: \(Self.action("a")) } }
            """, backends: ["a": backends["a"]!], listenerExtra: """
                default_filter_chain:
                  filters:
            \(TLSYAML.tcpProxy("d"))
            """).replacingOccurrences(of: "  clusters:\n", with: "  clusters:\n\(TLSYAML.cluster("d", port: backends["d"]!.port))\n")
        let relay = try await RunningRelay.start(yaml: yaml)
        let payload = Array("to the default".utf8)
        #expect(try await Self.exchange(port: relay.port("front"), payload: payload) == payload)
        #expect(Self.reached(backends, payload) == ["d"])
        await relay.stop()
        await Self.stop(backends)
    }

    @Test("config errors name file:line:col", arguments: [
        ("on_no_match: { action: { name: x, typed_config: { \"@type\": google.protobuf.StringValue, value: nope } } }",
         "filter chain 'nope', which does not exist"),
        ("matcher_tree: { input: { name: x, typed_config: { \"@type\": envoy.extensions.matching.common_inputs.network.v3.Bogus } }, exact_match_map: { map: { a: { action: { name: x, typed_config: { \"@type\": google.protobuf.StringValue, value: a } } } } } }",
         "supported: type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput"),
    ])
    func configErrors(matcher: String, message: String) async throws {
        let yaml = Self.yaml(matcher: "      " + matcher, backends: ["a": try await RecordingBackend.start()])
        #expect {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "m.yaml", registry: .bundled)
        } throws: { error in
            "\(error)".hasPrefix("m.yaml:") && "\(error)".contains(message)
        }
    }

    @Test func chainsNeedUniqueNamesWithAMatcher() async throws {
        let backend = try await RecordingBackend.start()
        let yaml = Self.yaml(matcher: "      on_no_match: \(Self.action("a"))", backends: ["a": backend])
            .replacingOccurrences(of: "    - name: a\n", with: "    - name: a\n      filters:\n\(TLSYAML.tcpProxy("a"))\n    - name: a\n")
        #expect {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "m.yaml", registry: .bundled)
        } throws: { error in
            "\(error)".hasPrefix("m.yaml:") && "\(error)".contains("\"name\" field is duplicated with value 'a'")
        }
        await backend.stop()
    }

    @Test func ignoredFilterChainMatchIsNamedInOneStartupWarning() async throws {
        let backends = try await Self.startBackends(["a", "b"])
        let yaml = Self.yaml(matcher: "      on_no_match: \(Self.action("a"))", backends: backends, chainMatch: ["b": "{ destination_port: 80 }"])
        let collector = WarningCollector()
        _ = try ServerConfiguration.load(yaml: yaml, fileName: "m.yaml", registry: .bundled, logger: Logger(label: "t") { _ in collector })
        #expect(collector.lines.values.withLock { $0 } == [
            "'filter_chain_match' is ignored on filter chain(s) 'b': the listener's filter_chain_matcher selects chains"
        ])
        await Self.stop(backends)
    }
}
