import IstioPeer
import NIOCore
import Relay
import TCPStats
import Testing

@Suite("Dimension attributes")
struct TCPStatsAttributeTests {
    func parse(_ expression: String) throws -> TCPStatsAttribute {
        try TCPStatsAttribute(parsing: expression, tag: "t")
    }

    @Test("supported expressions parse to typed attributes")
    func parsing() throws {
        #expect(try parse(#""hello""#) == .literal("hello"))
        #expect(try parse(#"'it\'s'"#) == .literal("it's"))
        #expect(try parse("  filter_state.downstream_peer.workload ") == .peer(.downstream, .workload))
        #expect(try parse("downstream_peer.app") == .peer(.downstream, .app))
        #expect(try parse("filter_state.upstream_peer.availability_zone") == .peer(.upstream, .availabilityZone))
        #expect(try parse("filter_state['upstream_peer'].cluster") == .peer(.upstream, .cluster))
        #expect(try parse(#"upstream_peer.labels["role"]"#) == .peer(.upstream, .label("role")))
        #expect(try parse("node.metadata['MESH_ID']") == .nodeMetadata("MESH_ID"))
        #expect(try parse("node.metadata.CLUSTER_ID") == .nodeMetadata("CLUSTER_ID"))
        #expect(try parse("source.address") == .address(.source))
        #expect(try parse("destination.port") == .port(.destination))
        #expect(try parse("upstream.address") == .address(.upstream))
        #expect(try parse("connection.mtls") == .connectionMTLS)
        #expect(try parse("connection.requested_server_name") == .requestedServerName)
        #expect(try parse("connection.uri_san_peer_certificate") == .uriSAN(.downstreamPeer))
        #expect(try parse("upstream.uri_san_local_certificate") == .uriSAN(.upstreamLocal))
        #expect(try parse("xds.cluster_name") == .clusterName)
    }

    @Test("anything else is an error", arguments: [
        "", "   ", "request.host", "downstream_peer", "downstream_peer.nope", "upstream_peer.labels",
        "a + b", "\"unterminated", "'a' + 'b'", "node.metadata", "source..address", "source.address.",
        "1abc", "has(source.address)", "x ? 'a' : 'b'", "filter_state.downstream_peer.labels['a'].b",
    ])
    func rejected(expression: String) {
        #expect(throws: TCPStatsConfigError.self) { try parse(expression) }
    }

    @Test("evaluation; missing values are unknown")
    func evaluation() throws {
        var input = Fixtures.serverInput()
        input.downstreamRemoteAddress = Fixtures.address("10.0.0.7", 43210)
        input.downstreamLocalAddress = Fixtures.address("::1", 9080)
        input.localNodeMetadata = ["MESH_ID": "mesh1", "NAMESPACE": "override"]
        input.requestedServerName = "outbound_.9080_._.ratings"
        var peer = Fixtures.clientNode
        peer.additionalLabels = ["role": "frontend"]
        peer.ownerType = .deployment
        input.downstreamPeer = .found(peer)

        #expect(try parse("'x'").evaluate(input) == "x")
        #expect(try parse("downstream_peer.workload").evaluate(input) == "productpage-v1")
        #expect(try parse("downstream_peer.name").evaluate(input) == "productpage-v1-84975bc778-pxz2w")
        #expect(try parse("downstream_peer.type").evaluate(input) == "deployment")
        #expect(try parse("downstream_peer.region").evaluate(input) == "unknown")
        #expect(try parse("downstream_peer.labels['role']").evaluate(input) == "frontend")
        #expect(try parse("downstream_peer.labels['other']").evaluate(input) == "unknown")
        #expect(try parse("upstream_peer.workload").evaluate(input) == "unknown")
        #expect(try parse("node.metadata['MESH_ID']").evaluate(input) == "mesh1")
        #expect(try parse("node.metadata['NAMESPACE']").evaluate(input) == "override")
        #expect(try parse("node.metadata['WORKLOAD_NAME']").evaluate(input) == "ratings-v1")
        #expect(try parse("node.metadata['NOPE']").evaluate(input) == "unknown")
        #expect(try parse("source.address").evaluate(input) == "10.0.0.7:43210")
        #expect(try parse("source.port").evaluate(input) == "43210")
        #expect(try parse("destination.address").evaluate(input) == "[::1]:9080")
        #expect(try parse("upstream.port").evaluate(input) == "unknown")
        #expect(try parse("connection.mtls").evaluate(input) == "true")
        #expect(try parse("connection.requested_server_name").evaluate(input) == "outbound_.9080_._.ratings")
        #expect(try parse("connection.uri_san_peer_certificate").evaluate(input) == Fixtures.clientSAN)
        #expect(try parse("upstream.uri_san_peer_certificate").evaluate(input) == "unknown")
        #expect(try parse("xds.cluster_name").evaluate(input) == "inbound|9080||")

        input.downstreamTLS = nil
        #expect(try parse("connection.mtls").evaluate(input) == "false")
        input.downstreamPeer = .notFound(.magicMismatch)
        #expect(try parse("downstream_peer.workload").evaluate(input) == "unknown")
    }

    @Test("filter_state is the downstream connection's, upstream_filter_state the upstream's (Envoy CEL)")
    func filterStateScopes() throws {
        // A client sidecar: the upstream exchange published the server (with role=db) on the
        // upstream connection only.
        var input = Fixtures.serverInput()
        var server = Fixtures.serverNode
        server.additionalLabels = ["role": "db"]
        input.upstreamPeer = .found(server)
        #expect(try parse("upstream_filter_state.upstream_peer.labels['role']") == .upstreamFilterStatePeer(.upstream, .label("role")))
        #expect(try parse("upstream_filter_state.upstream_peer.labels['role']").evaluate(input) == "db")
        #expect(try parse("upstream_filter_state.upstream_peer.workload").evaluate(input) == server.workloadName)
        // Istio reports unknown here: the downstream connection's filter state has no upstream_peer.
        #expect(try parse("filter_state.upstream_peer.labels['role']").evaluate(input) == "unknown")
        #expect(try parse("upstream_peer.workload").evaluate(input) == "unknown")
        #expect(try parse("upstream_filter_state.downstream_peer.workload").evaluate(input) == "unknown")
        input.filterStateUpstreamPeer = .found(server)
        #expect(try parse("filter_state.upstream_peer.labels['role']").evaluate(input) == "db")
        #expect(TCPStatsAttribute.upstreamFilterStatePeer(.upstream, .label("role")).description
            == "upstream_filter_state.upstream_peer.labels['role']")
    }

    @Test("a peer's name is only visible when its cluster is set (Istio's quirk)")
    func nameQuirk() throws {
        var input = Fixtures.serverInput()
        var peer = Fixtures.clientNode
        peer.clusterID = ""
        input.downstreamPeer = .found(peer)
        #expect(try parse("downstream_peer.name").evaluate(input) == "unknown")
    }
}
