import IstioPeer
import NIOCore
import Relay
import TCPStats

/// The e2e scenario of istio/proxy's TCP metadata-exchange tests: a client sidecar
/// (productpage-v1, cluster client-cluster) talking to a server sidecar (ratings-v1,
/// cluster server-cluster) over mTLS, through the cluster of `server.default.svc.cluster.local`.
enum Fixtures {
    static let clientNode = WorkloadMetadata(
        name: "productpage-v1-84975bc778-pxz2w",
        namespace: "default",
        workloadName: "productpage-v1",
        clusterID: "client-cluster",
        identity: "spiffe://cluster.local/ns/default/sa/client",
        canonicalName: "productpage-v1",
        canonicalRevision: "version-1",
        app: "productpage",
        version: "v1"
    )

    static let serverNode = WorkloadMetadata(
        name: "ratings-v1-6d9bcf5d8-abcde",
        namespace: "default",
        workloadName: "ratings-v1",
        clusterID: "server-cluster",
        identity: "spiffe://cluster.local/ns/default/sa/server",
        canonicalName: "ratings",
        canonicalRevision: "version-1",
        app: "ratings",
        version: "v1"
    )

    static let clientSAN = "spiffe://cluster.local/ns/default/sa/client"
    static let serverSAN = "spiffe://cluster.local/ns/default/sa/server"

    static let service = TCPStatsServiceMetadata(
        host: "server.default.svc.cluster.local",
        name: "server",
        namespace: "default"
    )

    /// Server side, with MX: the downstream peer is the client.
    static func serverInput() -> TCPStatsLabelInput {
        TCPStatsLabelInput(
            reporter: .destination,
            localNode: serverNode,
            downstreamPeer: .found(clientNode),
            downstreamTLS: TCPStatsTLSIdentity(peerURISANs: [clientSAN], localURISANs: [serverSAN]),
            upstreamClusterName: "inbound|9080||",
            upstreamService: service
        )
    }

    /// Client side, with MX: the upstream peer is the server.
    static func clientInput() -> TCPStatsLabelInput {
        TCPStatsLabelInput(
            reporter: .source,
            localNode: clientNode,
            upstreamPeer: .found(serverNode),
            upstreamTLS: TCPStatsTLSIdentity(peerURISANs: [serverSAN], localURISANs: [clientSAN]),
            upstreamClusterName: "outbound|9080||server.default.svc.cluster.local",
            upstreamService: service
        )
    }

    static func address(_ ip: String, _ port: Int) -> SocketAddress {
        try! SocketAddress(ipAddress: ip, port: port)
    }
}

extension [TCPStatsTag] {
    /// `name=value` pairs, for compact expectations.
    var rendered: [String] { map(\.description) }
}
