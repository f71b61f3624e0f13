import IstioPeer
import Relay
import TCPStats
import Testing

@Suite("Standard labels")
struct TCPStatsLabelsTests {
    @Test("e2e vector: server side with metadata exchange, all 23 labels in order")
    func serverWithMX() {
        let tags = TCPStatsLabels.standardTags(for: Fixtures.serverInput())
        #expect(
            tags.rendered == [
                "reporter=destination",
                "source_workload=productpage-v1",
                "source_canonical_service=productpage-v1",
                "source_canonical_revision=version-1",
                "source_workload_namespace=default",
                "source_principal=spiffe://cluster.local/ns/default/sa/client",
                "source_app=productpage",
                "source_version=v1",
                "source_cluster=client-cluster",
                "destination_workload=ratings-v1",
                "destination_workload_namespace=default",
                "destination_principal=spiffe://cluster.local/ns/default/sa/server",
                "destination_app=ratings",
                "destination_version=v1",
                "destination_service=server.default.svc.cluster.local",
                "destination_canonical_service=ratings",
                "destination_canonical_revision=version-1",
                "destination_service_name=server",
                "destination_service_namespace=default",
                "destination_cluster=server-cluster",
                "request_protocol=tcp",
                "response_flags=-",
                "connection_security_policy=mutual_tls",
            ]
        )
        #expect(tags.map(\.name) == TCPStatsLabels.standardTagNames)
        #expect(tags.count == 23)
    }

    @Test("e2e vector: client side is the same with reporter=source and policy=unknown")
    func clientWithMX() {
        let server = TCPStatsLabels.standardTags(for: Fixtures.serverInput())
        let client = TCPStatsLabels.standardTags(for: Fixtures.clientInput())
        var expected = server
        expected[0].value = "source"
        expected[22].value = "unknown"
        #expect(client == expected)
    }

    @Test("e2e vector: server without MX takes the namespace from the SAN; the rest is unknown/latest")
    func serverWithoutMX() {
        var input = Fixtures.serverInput()
        input.downstreamPeer = .notFound(.alpnNotNegotiated)
        let labels = TCPStatsLabels.standardTags(for: input).rendered
        #expect(
            Array(labels[1...8]) == [
                "source_workload=unknown",
                "source_canonical_service=unknown",
                "source_canonical_revision=latest",
                "source_workload_namespace=default",
                "source_principal=spiffe://cluster.local/ns/default/sa/client",
                "source_app=unknown",
                "source_version=unknown",
                "source_cluster=unknown",
            ]
        )
        // The destination half is local and unchanged.
        #expect(Array(labels[9...]) == Array(TCPStatsLabels.standardTags(for: Fixtures.serverInput()).rendered[9...]))
    }

    @Test("e2e vector: client to an unknown upstream without TLS")
    func clientToUnknownUpstreamWithoutTLS() {
        let input = TCPStatsLabelInput(
            reporter: .source,
            localNode: Fixtures.clientNode,
            upstreamPeer: .notFound(.alpnNotNegotiated),
            upstreamClusterName: "outbound|9080||server.default.svc.cluster.local",
            upstreamService: TCPStatsServiceMetadata(host: "server.default.svc.cluster.local", name: "server")
        )
        #expect(
            TCPStatsLabels.standardTags(for: input).rendered == [
                "reporter=source",
                "source_workload=productpage-v1",
                "source_canonical_service=productpage-v1",
                "source_canonical_revision=version-1",
                "source_workload_namespace=default",
                "source_principal=unknown",
                "source_app=productpage",
                "source_version=v1",
                "source_cluster=client-cluster",
                "destination_workload=unknown",
                "destination_workload_namespace=unknown",
                "destination_principal=unknown",
                "destination_app=unknown",
                "destination_version=unknown",
                "destination_service=server.default.svc.cluster.local",
                "destination_canonical_service=unknown",
                "destination_canonical_revision=latest",
                "destination_service_name=server",
                "destination_service_namespace=unknown",
                "destination_cluster=unknown",
                "request_protocol=tcp",
                "response_flags=-",
                "connection_security_policy=unknown",
            ]
        )
    }

    @Test("reporter from config reporter and listener direction")
    func reporterSelection() {
        #expect(TCPStatsReporter(configured: .unspecified, direction: .inbound) == .destination)
        #expect(TCPStatsReporter(configured: .unspecified, direction: .outbound) == .source)
        #expect(TCPStatsReporter(configured: .unspecified, direction: .unspecified) == .source)
        #expect(TCPStatsReporter(configured: .serverGateway, direction: .inbound) == .waypoint)
        #expect(TCPStatsReporter(configured: .serverGateway, direction: .outbound) == .waypoint)
        #expect(TCPStatsReporter.destination.peerKey == .downstreamPeer)
        #expect(TCPStatsReporter.waypoint.peerKey == .downstreamPeer)
        #expect(TCPStatsReporter.source.peerKey == .upstreamPeer)
    }

    @Test("local values are used as-is even when empty; peer values default to unknown")
    func emptyLocalValues() {
        let input = TCPStatsLabelInput(reporter: .destination, localNode: WorkloadMetadata(namespace: "ns1"))
        let tags = TCPStatsLabels.standardTags(for: input)
        let labels = TCPStatsLabels.standardTagNames
        let byName = Dictionary(uniqueKeysWithValues: zip(labels, tags.map(\.value)))
        #expect(byName["destination_workload"] == "")
        #expect(byName["destination_app"] == "")
        #expect(byName["destination_service"] == "")  // no service metadata: the local canonical name
        #expect(byName["destination_service_name"] == "")
        #expect(byName["destination_workload_namespace"] == "ns1")
        #expect(byName["destination_principal"] == "unknown")
        #expect(byName["source_workload"] == "unknown")
        #expect(byName["source_canonical_revision"] == "latest")
        #expect(byName["connection_security_policy"] == "none")  // plaintext
    }

    @Test("server side: only one SAN present means policy none; service falls back to local canonical name")
    func serverOneSidedTLS() {
        var input = Fixtures.serverInput()
        input.downstreamTLS = TCPStatsTLSIdentity(peerURISANs: [], localURISANs: [Fixtures.serverSAN])
        input.upstreamService = nil
        let labels = TCPStatsLabels.standardTags(for: input)
        #expect(labels[5] == TCPStatsTag("source_principal", "unknown"))
        #expect(labels[4] == TCPStatsTag("source_workload_namespace", "default"))  // from the peer metadata
        #expect(labels[14] == TCPStatsTag("destination_service", "ratings"))
        #expect(labels[17] == TCPStatsTag("destination_service_name", "ratings"))
        #expect(labels[22] == TCPStatsTag("connection_security_policy", "none"))
    }

    @Test("the SAN namespace wins over the peer's namespace")
    func sanNamespaceWins() {
        var input = Fixtures.serverInput()
        input.downstreamTLS = TCPStatsTLSIdentity(
            peerURISANs: ["spiffe://td/ns/other/sa/x"],
            localURISANs: [Fixtures.serverSAN]
        )
        #expect(TCPStatsLabels.standardTags(for: input)[4] == TCPStatsTag("source_workload_namespace", "other"))
        #expect(TCPStatsLabels.namespace(fromPrincipal: "spiffe://td/ns/foo") == "foo")
        #expect(TCPStatsLabels.namespace(fromPrincipal: "spiffe://td/sa/foo") == nil)
    }

    @Test("client: endpoint istio.workload metadata is the fallback peer")
    func clientEndpointFallback() {
        let input = TCPStatsLabelInput(
            reporter: .source,
            localNode: Fixtures.clientNode,
            upstreamPeer: .notFound(.magicMismatch),
            upstreamClusterName: "outbound|27017||mongodb.default.svc.cluster.local",
            upstreamService: TCPStatsServiceMetadata(host: "mongodb.default.svc.cluster.local"),
            upstreamEndpointWorkload: "mongodb-v1;default;mongodb;v1;Kubernetes"
        )
        let byName = Dictionary(
            uniqueKeysWithValues: TCPStatsLabels.standardTags(for: input).map { ($0.name, $0.value) }
        )
        #expect(byName["destination_workload"] == "mongodb-v1")
        #expect(byName["destination_workload_namespace"] == "default")
        #expect(byName["destination_canonical_service"] == "mongodb")
        #expect(byName["destination_canonical_revision"] == "v1")
        #expect(byName["destination_cluster"] == "Kubernetes")
        #expect(byName["destination_app"] == "unknown")
        #expect(byName["destination_principal"] == "unknown")
        #expect(byName["destination_service"] == "mongodb.default.svc.cluster.local")
        #expect(byName["destination_service_name"] == "mongodb")  // host up to the first '.'
        #expect(TCPStatsLabels.endpointWorkload(from: "a;b;c;d") == nil)
    }

    @Test("client: the exchanged peer's identity stands in for a missing upstream SAN")
    func clientIdentityFallback() {
        var input = Fixtures.clientInput()
        input.upstreamTLS = nil
        let tags = TCPStatsLabels.standardTags(for: input)
        #expect(tags[11] == TCPStatsTag("destination_principal", Fixtures.serverSAN))
        #expect(tags[5] == TCPStatsTag("source_principal", "unknown"))
    }

    @Test("passthrough and blackhole clusters name the service", arguments: [
        "BlackHoleCluster", "PassthroughCluster", "InboundPassthroughCluster",
        "InboundPassthroughClusterIpv4", "InboundPassthroughClusterIpv6",
    ])
    func passthroughClusters(cluster: String) {
        var client = Fixtures.clientInput()
        client.upstreamClusterName = cluster
        let clientTags = TCPStatsLabels.standardTags(for: client)
        #expect(clientTags[14] == TCPStatsTag("destination_service", "unknown"))
        #expect(clientTags[17] == TCPStatsTag("destination_service_name", cluster))
        #expect(clientTags[18] == TCPStatsTag("destination_service_namespace", "default"))  // from the SAN

        var server = Fixtures.serverInput()
        server.upstreamClusterName = cluster
        let serverTags = TCPStatsLabels.standardTags(for: server)
        #expect(serverTags[14] == TCPStatsTag("destination_service", "ratings"))
        #expect(serverTags[17] == TCPStatsTag("destination_service_name", cluster))
    }

    @Test("waypoint: source from the downstream peer, destination from the upstream peer and service")
    func waypoint() {
        var upstream = Fixtures.serverNode
        upstream.app = ""
        let input = TCPStatsLabelInput(
            reporter: .waypoint,
            localNode: WorkloadMetadata(namespace: "default", workloadName: "waypoint"),
            downstreamPeer: .found(Fixtures.clientNode),
            upstreamPeer: .found(upstream),
            downstreamTLS: TCPStatsTLSIdentity(peerURISANs: [Fixtures.clientSAN], localURISANs: ["spiffe://cluster.local/ns/default/sa/waypoint"]),
            upstreamService: TCPStatsServiceMetadata(host: "server.default.svc.cluster.local", name: "server")
        )
        #expect(
            TCPStatsLabels.standardTags(for: input).rendered == [
                "reporter=waypoint",
                "source_workload=productpage-v1",
                "source_canonical_service=productpage-v1",
                "source_canonical_revision=version-1",
                "source_workload_namespace=default",
                "source_principal=spiffe://cluster.local/ns/default/sa/client",
                "source_app=productpage",
                "source_version=v1",
                "source_cluster=client-cluster",
                "destination_workload=ratings-v1",
                "destination_workload_namespace=default",
                "destination_principal=spiffe://cluster.local/ns/default/sa/server",
                "destination_app=unknown",
                "destination_version=v1",
                "destination_service=server.default.svc.cluster.local",
                "destination_canonical_service=ratings",
                "destination_canonical_revision=version-1",
                "destination_service_name=server",
                "destination_service_namespace=unknown",
                "destination_cluster=server-cluster",
                "request_protocol=tcp",
                "response_flags=-",
                "connection_security_policy=mutual_tls",
            ]
        )

        let noUpstream = TCPStatsLabelInput(reporter: .waypoint, localNode: WorkloadMetadata())
        let tags = TCPStatsLabels.standardTags(for: noUpstream)
        #expect(tags[9...19].allSatisfy { $0.value == "unknown" })  // revision too, not `latest`
    }

    @Test("response flags are carried as given; empty means '-'")
    func responseFlags() {
        var input = Fixtures.clientInput()
        input.responseFlags = "UF,URX"
        #expect(TCPStatsLabels.standardTags(for: input)[21] == TCPStatsTag("response_flags", "UF,URX"))
        input.responseFlags = ""
        #expect(TCPStatsLabels.standardTags(for: input)[21] == TCPStatsTag("response_flags", "-"))
    }
}
