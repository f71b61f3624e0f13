import NIOCore
import Relay
import RelayConfig
import Testing

@testable import RelayServer

/// `filter_chain_matcher` evaluation: trees, lists, predicates, fall-through and inputs as
/// Envoy prints them.
@Suite struct UnifiedFilterChainMatcherTests {
    static let chains = ["a": 0, "b": 1, "c": 2]

    func matcher(_ yaml: String) throws -> UnifiedFilterChainMatcher {
        let config = try ConfigDecoder().decode(FilterChainMatcherConfig.self, yaml: yaml, fileName: "m.yaml")
        return try UnifiedFilterChainMatcher(config, chainNames: Self.chains)
    }

    func socket(
        local: String = "10.0.0.1",
        localPort: Int = 443,
        remote: String = "192.168.1.5",
        remotePort: Int = 40000,
        sni: String = "",
        transport: String = "raw_buffer",
        alpn: [String] = []
    ) throws -> NetworkMatchingData {
        let socket = AcceptedSocket(
            localAddress: try SocketAddress(ipAddress: local, port: localPort),
            remoteAddress: try SocketAddress(ipAddress: remote, port: remotePort)
        )
        socket.requestedServerName = sni
        socket.detectedTransportProtocol = transport
        socket.requestedApplicationProtocols = alpn
        return NetworkMatchingData(socket: socket)
    }

    static func input(_ name: String) -> String {
        "{ name: in, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.\(name) } }"
    }

    static func action(_ chain: String) -> String {
        "{ action: { name: chain, typed_config: { \"@type\": type.googleapis.com/google.protobuf.StringValue, value: \(chain) } } }"
    }

    @Test func inputsReadLikeEnvoys() throws {
        let data = try socket(sni: "svc.example", alpn: ["h2", "http/1.1"])
        #expect(data.value(of: .destinationIP) == "10.0.0.1")
        #expect(data.value(of: .destinationPort) == "443")
        #expect(data.value(of: .sourceIP) == "192.168.1.5")
        #expect(data.value(of: .directSourceIP) == "192.168.1.5")
        #expect(data.value(of: .sourcePort) == "40000")
        #expect(data.value(of: .serverName) == "svc.example")
        #expect(data.value(of: .transportProtocol) == "raw_buffer")
        #expect(data.value(of: .applicationProtocol) == "'h2','http/1.1'")
        #expect(data.value(of: .sourceType) == nil)
        #expect(try socket(remote: "127.0.0.1").value(of: .sourceType) == "local")
        #expect(try socket(local: "10.1.1.1", remote: "10.1.1.1").value(of: .sourceType) == "local")
        #expect(try socket().value(of: .serverName) == nil)
        #expect(try socket().value(of: .applicationProtocol) == nil)
        #expect(try socket(local: "::1").value(of: .destinationIP) == "::1")
    }

    @Test func exactTreeOnDestinationPortWithOnNoMatch() throws {
        let m = try matcher("""
            matcher_tree:
              input: \(Self.input("DestinationPortInput"))
              exact_match_map:
                map:
                  "443": \(Self.action("a"))
                  "8080": \(Self.action("b"))
            on_no_match: \(Self.action("c"))
            """)
        #expect(m.select(try socket(localPort: 443)) == 0)
        #expect(m.select(try socket(localPort: 8080)) == 1)
        #expect(m.select(try socket(localPort: 9)) == 2)
    }

    @Test func exactTreeOnServerNameWithoutOnNoMatchDoesNotMatch() throws {
        let m = try matcher("""
            matcher_tree:
              input: \(Self.input("ServerNameInput"))
              exact_match_map: { map: { svc.example: \(Self.action("a")) } }
            """)
        #expect(m.select(try socket(sni: "svc.example")) == 0)
        #expect(m.select(try socket(sni: "other.example")) == nil)
        #expect(m.select(try socket()) == nil, "no SNI is no value")
    }

    @Test func prefixTreeTakesTheLongestPrefixAndFallsBackWhenANestedMatcherFails() throws {
        let m = try matcher("""
            matcher_tree:
              input: \(Self.input("ServerNameInput"))
              prefix_match_map:
                map:
                  api: \(Self.action("a"))
                  api.internal:
                    matcher:
                      matcher_tree:
                        input: \(Self.input("DestinationPortInput"))
                        exact_match_map: { map: { "15443": \(Self.action("b")) } }
            """)
        #expect(m.select(try socket(localPort: 15443, sni: "api.internal.example")) == 1)
        #expect(m.select(try socket(localPort: 443, sni: "api.internal.example")) == 0, "nested no-match falls back to the shorter prefix")
        #expect(m.select(try socket(sni: "web")) == nil)
    }

    @Test func ipMatcherPicksTheMostSpecificRangeAndHonoursExclusive() throws {
        let m = try matcher("""
            matcher_tree:
              input: \(Self.input("SourceIPInput"))
              custom_match:
                name: ip
                typed_config:
                  "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                  range_matchers:
                  - ranges: [{ address_prefix: 10.0.0.0, prefix_len: 8 }]
                    on_match: \(Self.action("a"))
                  - ranges: [{ address_prefix: 10.1.0.0, prefix_len: 16 }, { address_prefix: "2001:db8::", prefix_len: 32 }]
                    on_match: \(Self.action("b"))
                  - ranges: [{ address_prefix: 10.2.0.0, prefix_len: 16 }]
                    exclusive: true
                    on_match:
                      matcher:
                        matcher_tree:
                          input: \(Self.input("ServerNameInput"))
                          exact_match_map: { map: { x: \(Self.action("c")) } }
            """)
        #expect(m.select(try socket(remote: "10.9.9.9")) == 0)
        #expect(m.select(try socket(remote: "10.1.2.3")) == 1)
        #expect(m.select(try socket(remote: "2001:db8::7")) == 1)
        #expect(m.select(try socket(remote: "10.2.0.1", sni: "x")) == 2)
        #expect(m.select(try socket(remote: "10.2.0.1")) == nil, "exclusive: no fall back to 10.0.0.0/8")
        #expect(m.select(try socket(remote: "11.0.0.1")) == nil)
    }

    @Test func listWithPredicatesTakesTheFirstThatHolds() throws {
        let m = try matcher("""
            matcher_list:
              matchers:
              - predicate:
                  and_matcher:
                    predicate:
                    - single_predicate: { input: \(Self.input("TransportProtocolInput")), value_match: { exact: tls } }
                    - single_predicate: { input: \(Self.input("ApplicationProtocolInput")), value_match: { contains: "'h2'" } }
                on_match: \(Self.action("a"))
              - predicate:
                  or_matcher:
                    predicate:
                    - single_predicate: { input: \(Self.input("ServerNameInput")), value_match: { suffix: .EXAMPLE, ignore_case: true } }
                    - single_predicate:
                        input: \(Self.input("DirectSourceIPInput"))
                        custom_match:
                          name: ip
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.matching.input_matchers.ip.v3.Ip
                            stat_prefix: ip
                            cidr_ranges: [{ address_prefix: 172.16.0.0, prefix_len: 12 }]
                on_match: \(Self.action("b"))
              - predicate:
                  not_matcher:
                    single_predicate: { input: \(Self.input("SourcePortInput")), value_match: { safe_regex: { regex: "4[0-9]+" } } }
                on_match: \(Self.action("c"))
            """)
        #expect(m.select(try socket(transport: "tls", alpn: ["http/1.1", "h2"])) == 0)
        #expect(m.select(try socket(sni: "a.example", transport: "tls", alpn: ["http/1.1"])) == 1)
        #expect(m.select(try socket(remote: "172.20.1.1")) == 1)
        #expect(m.select(try socket(remotePort: 5000)) == 2)
        #expect(m.select(try socket(remotePort: 40000)) == nil)
    }

    /// The matcher of Envoy's docs example `listener_complicated.yaml`
    /// (docs/root/intro/arch_overview/advanced/matching/_include/), chains http=a,
    /// internal=b, tls=c: port 80 → http; port 443 → internal from 192.0.0.0/2 or
    /// 10.0.0.0/24, else tls (a range without prefix_len is /0); anything else → no match.
    @Test func envoysDocsExampleByPortThenSourceRange() throws {
        let m = try matcher("""
            matcher_tree:
              input: \(Self.input("DestinationPortInput"))
              exact_match_map:
                map:
                  "80": \(Self.action("a"))
                  "443":
                    matcher:
                      matcher_tree:
                        input: \(Self.input("SourceIPInput"))
                        custom_match:
                          name: ip-matcher
                          typed_config:
                            "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
                            range_matchers:
                            - ranges: [{ address_prefix: 192.0.0.0, prefix_len: 2 }, { address_prefix: 10.0.0.0, prefix_len: 24 }]
                              on_match: \(Self.action("b"))
                            - ranges: [{ address_prefix: 0.0.0.0 }]
                              on_match: \(Self.action("c"))
            """)
        #expect(m.select(try socket(localPort: 80)) == 0)
        #expect(m.select(try socket(localPort: 443, remote: "192.168.1.1")) == 1)
        #expect(m.select(try socket(localPort: 443, remote: "10.0.0.5")) == 1)
        #expect(m.select(try socket(localPort: 443, remote: "8.8.8.8")) == 2)
        #expect(m.select(try socket(localPort: 22)) == nil)
    }

    @Test func cidrMasksAgreeWithByteWiseContainment() throws {
        let addresses = ["10.1.2.3", "10.1.255.1", "0.0.0.0", "255.255.255.255", "2001:db8::1", "2001:db8:0:0:8000::1", "::1", "::ffff:127.0.0.9"]
        let ranges: [(String, Int)] = [
            ("10.0.0.0", 8), ("10.1.2.3", 32), ("10.1.0.0", 17), ("0.0.0.0", 0), ("2001:db8::", 32), ("2001:db8::", 64),
            ("2001:db8::", 65), ("2001:db8::1", 128), ("::", 0), ("::ffff:127.0.0.0", 104),
        ]
        for (prefix, length) in ranges {
            let range = try #require(CIDRRange(address: prefix, prefixLength: length))
            let mask = CIDRMask(range)
            for text in addresses {
                let socket = try SocketAddress(ipAddress: text, port: 1)
                let value = try #require(IPAddressValue(socket))
                #expect(mask.contains(value) == range.contains(IPAddressBytes.bytes(of: socket)!), "\(text) in \(prefix)/\(length)")
            }
        }
        #expect(IPAddressValue(try SocketAddress(ipAddress: "::ffff:127.0.0.9", port: 1))!.isLoopback)
        #expect(IPAddressValue(try SocketAddress(ipAddress: "::1", port: 1))!.isLoopback)
        #expect(!IPAddressValue(try SocketAddress(ipAddress: "128.0.0.1", port: 1))!.isLoopback)
    }

    @Test func exactMapsOnAddressesCompareAsEnvoysText() throws {
        let m = try matcher("""
            matcher_tree:
              input: \(Self.input("DestinationIPInput"))
              exact_match_map: { map: { 10.0.0.1: \(Self.action("a")), "2001:db8::5": \(Self.action("b")) } }
            """)
        #expect(m.select(try socket(local: "10.0.0.1")) == 0)
        #expect(m.select(try socket(local: "2001:db8:0::5")) == 1)
        #expect(m.select(try socket(local: "10.0.0.2")) == nil)
        // A key Envoy would never print cannot match, as in Envoy.
        let loose = try matcher("""
            matcher_tree:
              input: \(Self.input("DestinationIPInput"))
              exact_match_map: { map: { "2001:DB8::5": \(Self.action("a")) } }
            """)
        #expect(loose.select(try socket(local: "2001:db8::5")) == nil)
    }

    @Test func aMatcherWithOnlyOnNoMatchAlwaysSelectsIt() throws {
        let m = try matcher("on_no_match: \(Self.action("b"))")
        #expect(m.select(try socket()) == 1)
    }

    @Test func unknownChainNamesAreConfigErrorsAtTheName() throws {
        #expect {
            _ = try matcher("""
                matcher_tree:
                  input: \(Self.input("ServerNameInput"))
                  exact_match_map: { map: { x: \(Self.action("nope")) } }
                """)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("m.yaml:3:") && text.contains("'nope'") && text.contains("does not exist")
        }
    }
}
