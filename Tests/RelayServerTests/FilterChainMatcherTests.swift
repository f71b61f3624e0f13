import Testing

@testable import RelayServer

/// Envoy's filter-chain selection: nine levels, most specific branch at each, no
/// backtracking (spec §2.4).
@Suite struct FilterChainMatcherTests {
    typealias Criteria = FilterChainMatchCriteria

    func input(
        port: Int = 443,
        destination: String = "10.0.0.1",
        sni: String = "",
        transport: String = "raw_buffer",
        alpn: [String] = [],
        source: String = "192.168.1.5",
        sourcePort: Int = 40000
    ) -> FilterChainMatchInput {
        FilterChainMatchInput(
            destinationPort: port,
            destinationIP: IPAddressBytes.parse(destination),
            serverName: sni,
            transportProtocol: transport,
            applicationProtocols: alpn,
            directSourceIP: IPAddressBytes.parse(source),
            sourceIP: IPAddressBytes.parse(source),
            sourcePort: sourcePort
        )
    }

    func cidr(_ text: String) -> CIDRRange {
        let parts = text.split(separator: "/")
        return CIDRRange(address: String(parts[0]), prefixLength: Int(parts[1])!)!
    }

    @Test func exactDestinationPortWinsAndDoesNotFallBackToPortless() {
        var portSpecific = Criteria()
        portSpecific.destinationPort = 443
        portSpecific.serverNames = ["a.com"]
        let catchAll = Criteria()
        let matcher = FilterChainMatcher(criteria: [portSpecific, catchAll])
        #expect(matcher.select(input(sni: "a.com")) == 0)
        // The 443 branch exists but nothing inside matches: no fallback to the catch-all.
        #expect(matcher.select(input(sni: "b.com")) == nil)
        #expect(matcher.select(input(port: 80, sni: "b.com")) == 1)
    }

    @Test func longestDestinationPrefixWins() {
        var wide = Criteria()
        wide.prefixRanges = [cidr("10.0.0.0/8")]
        var narrow = Criteria()
        narrow.prefixRanges = [cidr("10.0.0.0/24")]
        let any = Criteria()
        let matcher = FilterChainMatcher(criteria: [wide, narrow, any])
        #expect(matcher.select(input(destination: "10.0.0.1")) == 1)
        #expect(matcher.select(input(destination: "10.9.0.1")) == 0)
        #expect(matcher.select(input(destination: "172.16.0.1")) == 2)
    }

    @Test func serverNamesExactThenLongestWildcardThenNone() {
        var exact = Criteria()
        exact.serverNames = ["www.a.com"]
        var wildcard = Criteria()
        wildcard.serverNames = ["*.a.com"]
        var shorter = Criteria()
        shorter.serverNames = ["*.com"]
        let none = Criteria()
        let matcher = FilterChainMatcher(criteria: [exact, wildcard, shorter, none])
        #expect(matcher.select(input(sni: "www.a.com")) == 0)
        #expect(matcher.select(input(sni: "api.a.com")) == 1)
        #expect(matcher.select(input(sni: "x.b.com")) == 2)
        // *.a.com does not match a.com itself.
        #expect(matcher.select(input(sni: "a.com")) == 2)
        #expect(matcher.select(input(sni: "")) == 3)
    }

    @Test func noBacktrackingFromServerNameToTransport() {
        // Envoy's example: A{server_names:[a.com], transport_protocol: tls}, B{}.
        var a = Criteria()
        a.serverNames = ["a.com"]
        a.transportProtocol = "tls"
        let b = Criteria()
        let matcher = FilterChainMatcher(criteria: [a, b])
        #expect(matcher.select(input(sni: "a.com", transport: "tls")) == 0)
        #expect(matcher.select(input(sni: "a.com", transport: "raw_buffer")) == nil)
        #expect(matcher.select(input(sni: "", transport: "raw_buffer")) == 1)
    }

    @Test func applicationProtocolsFollowTheClientsOrder() {
        var h2 = Criteria()
        h2.transportProtocol = "tls"
        h2.applicationProtocols = ["h2"]
        var http11 = Criteria()
        http11.transportProtocol = "tls"
        http11.applicationProtocols = ["http/1.1"]
        let plain = Criteria()
        let matcher = FilterChainMatcher(criteria: [h2, http11, plain])
        #expect(matcher.select(input(transport: "tls", alpn: ["h2", "http/1.1"])) == 0)
        #expect(matcher.select(input(transport: "tls", alpn: ["http/1.1", "h2"])) == 1)
        #expect(matcher.select(input(transport: "raw_buffer")) == 2)
        // TLS with an ALPN no chain lists: the tls branch has no ALPN-less chain → no match.
        #expect(matcher.select(input(transport: "tls", alpn: ["spdy"])) == nil)
    }

    @Test func istioInboundChainMatchesTheMeshALPNs() {
        var mesh = Criteria()
        mesh.transportProtocol = "tls"
        mesh.applicationProtocols = ["istio-peer-exchange", "istio"]
        let passthrough = Criteria()
        let matcher = FilterChainMatcher(criteria: [mesh, passthrough])
        #expect(matcher.select(input(transport: "tls", alpn: ["istio-peer-exchange", "istio"])) == 0)
        #expect(matcher.select(input(transport: "tls", alpn: ["istio"])) == 0)
        #expect(matcher.select(input(transport: "raw_buffer")) == 1)
    }

    @Test func sourceTypeLocalExternalAny() {
        var local = Criteria()
        local.sourceType = .sameIPOrLoopback
        var external = Criteria()
        external.sourceType = .external
        let matcher = FilterChainMatcher(criteria: [local, external])
        #expect(matcher.select(input(source: "127.0.0.1")) == 0)
        #expect(matcher.select(input(destination: "10.0.0.1", source: "10.0.0.1")) == 0)
        #expect(matcher.select(input(source: "192.168.1.5")) == 1)
        let anyOnly = FilterChainMatcher(criteria: [Criteria()])
        #expect(anyOnly.select(input(source: "127.0.0.1")) == 0)
    }

    @Test func sourcePrefixThenSourcePort() {
        var subnet = Criteria()
        subnet.sourcePrefixRanges = [cidr("192.168.0.0/16")]
        subnet.sourcePorts = [40000]
        var subnetAnyPort = Criteria()
        subnetAnyPort.sourcePrefixRanges = [cidr("192.168.0.0/16")]
        let everyone = Criteria()
        let matcher = FilterChainMatcher(criteria: [subnet, subnetAnyPort, everyone])
        #expect(matcher.select(input(source: "192.168.1.5", sourcePort: 40000)) == 0)
        #expect(matcher.select(input(source: "192.168.1.5", sourcePort: 40001)) == 1)
        #expect(matcher.select(input(source: "10.1.1.1")) == 2)
    }

    @Test func cidrContainment() {
        #expect(cidr("10.1.0.0/16").contains(IPAddressBytes.parse("10.1.255.1")!))
        #expect(!cidr("10.1.0.0/16").contains(IPAddressBytes.parse("10.2.0.1")!))
        #expect(cidr("0.0.0.0/0").contains(IPAddressBytes.parse("8.8.8.8")!))
        #expect(cidr("::1/128").contains(IPAddressBytes.parse("::1")!))
        #expect(!cidr("::1/128").contains(IPAddressBytes.parse("127.0.0.1")!))
        #expect(CIDRRange(address: "10.0.0.0", prefixLength: 33) == nil)
    }
}
