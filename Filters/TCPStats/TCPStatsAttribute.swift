import IstioPeer
import NIOCore
import Relay

/// A custom dimension value (`metrics[].dimensions[tag]`), parsed at config time.
///
/// Istio evaluates these as CEL expressions. Relay does not embed CEL; it supports the simple
/// attribute paths and literals that Istio's Telemetry API and its samples use, and rejects
/// anything else with ``TCPStatsConfigError/unsupportedDimensionExpression(tag:expression:reason:)``.
///
/// Supported forms (whitespace around the expression is ignored; `a.b` and `a['b']` are the same
/// path step, as in CEL):
///
/// | expression | value |
/// | --- | --- |
/// | `"text"` or `'text'` | the literal (escapes `\\`, `\"`, `\'`) |
/// | `filter_state.downstream_peer.FIELD`, `downstream_peer.FIELD` | the downstream peer's field |
/// | `filter_state.upstream_peer.FIELD`, `upstream_peer.FIELD` | `upstream_peer` in the **downstream** connection's filter state |
/// | `upstream_filter_state.upstream_peer.FIELD` | the upstream peer the upstream metadata exchange published |
/// | `….labels['KEY']` (any peer) | one of the peer's additional labels |
/// | `node.metadata['KEY']` | local node metadata (a string value) |
/// | `source.address`, `source.port` | the downstream peer address (`ip:port`) / port |
/// | `destination.address`, `destination.port` | the address the downstream connected to |
/// | `upstream.address`, `upstream.port` | the upstream host's address |
/// | `connection.mtls` | `true` if the downstream presented a client certificate, else `false` |
/// | `connection.requested_server_name` | the downstream SNI (may be empty) |
/// | `connection.uri_san_peer_certificate`, `connection.uri_san_local_certificate` | first URI SAN, downstream TLS |
/// | `upstream.uri_san_peer_certificate`, `upstream.uri_san_local_certificate` | first URI SAN, upstream TLS |
/// | `xds.cluster_name` | the upstream cluster's name |
///
/// Peer FIELDs: `workload`, `name`, `namespace`, `cluster`, `service` (canonical name),
/// `revision` (canonical revision), `app`, `version`, `identity`, `type`, `region`,
/// `availability_zone`.
///
/// As in Envoy's CEL, `filter_state` is the downstream connection's filter state and
/// `upstream_filter_state` the upstream connection's. The upstream metadata-exchange filter
/// publishes `upstream_peer` on the upstream connection, so on a client sidecar
/// `filter_state.upstream_peer.*` is `unknown` and `upstream_filter_state.upstream_peer.*` has
/// the value (the standard `destination_*` labels read the upstream peer either way).
///
/// As in Istio, a value that does not exist (no peer, a peer field that is empty, no TLS, an
/// unknown node metadata key) evaluates to `unknown`.
public enum TCPStatsAttribute: Hashable, Sendable, CustomStringConvertible {
    /// Which published peer an attribute reads.
    public enum PeerSide: String, Hashable, Sendable {
        /// `downstream_peer`.
        case downstream = "downstream_peer"
        /// `upstream_peer`.
        case upstream = "upstream_peer"
    }

    /// A field of a peer's metadata, named as Istio's CEL view of the peer names it.
    public enum PeerField: Hashable, Sendable {
        /// `workload`.
        case workload
        /// `name` (pod name; Istio only emits it when the peer's cluster is set).
        case name
        /// `namespace`.
        case namespace
        /// `cluster`.
        case cluster
        /// `service` (canonical service name).
        case service
        /// `revision` (canonical revision).
        case revision
        /// `app`.
        case app
        /// `version`.
        case version
        /// `identity`.
        case identity
        /// `type` (`pod`, `deployment`, `job`, `cronjob`).
        case type
        /// `region`.
        case region
        /// `availability_zone`.
        case availabilityZone
        /// `labels['KEY']`: one of the additional labels.
        case label(String)

        static let byName: [String: PeerField] = [
            "workload": .workload, "name": .name, "namespace": .namespace, "cluster": .cluster,
            "service": .service, "revision": .revision, "app": .app, "version": .version,
            "identity": .identity, "type": .type, "region": .region, "availability_zone": .availabilityZone,
        ]
    }

    /// Which end of a connection an address attribute reads.
    public enum Endpoint: String, Hashable, Sendable {
        /// `source`: the downstream peer.
        case source
        /// `destination`: the local address the downstream connected to.
        case destination
        /// `upstream`: the upstream host.
        case upstream
    }

    /// Which TLS connection and certificate a URI SAN attribute reads.
    public enum Certificate: Hashable, Sendable {
        /// `connection.uri_san_peer_certificate`.
        case downstreamPeer
        /// `connection.uri_san_local_certificate`.
        case downstreamLocal
        /// `upstream.uri_san_peer_certificate`.
        case upstreamPeer
        /// `upstream.uri_san_local_certificate`.
        case upstreamLocal
    }

    /// A string literal.
    case literal(String)
    /// A field of a published peer.
    case peer(PeerSide, PeerField)
    /// `upstream_filter_state.<peer>.FIELD`: a peer in the upstream connection's filter state.
    case upstreamFilterStatePeer(PeerSide, PeerField)
    /// `node.metadata['KEY']`.
    case nodeMetadata(String)
    /// `<endpoint>.address`.
    case address(Endpoint)
    /// `<endpoint>.port`.
    case port(Endpoint)
    /// `connection.mtls`.
    case connectionMTLS
    /// `connection.requested_server_name`.
    case requestedServerName
    /// The first URI SAN of a certificate.
    case uriSAN(Certificate)
    /// `xds.cluster_name`.
    case clusterName

    /// The value used when an attribute has no value.
    public static let unknownValue = "unknown"

    /// Parses a dimension expression.
    ///
    /// - Throws: ``TCPStatsConfigError/unsupportedDimensionExpression(tag:expression:reason:)``
    ///   naming `tag` and the expression.
    public init(parsing expression: String, tag: String) throws(TCPStatsConfigError) {
        let text = expression.trimmingSpaces
        func fail(_ reason: String) -> TCPStatsConfigError {
            .unsupportedDimensionExpression(tag: tag, expression: expression, reason: reason)
        }
        guard !text.isEmpty else { throw fail("the expression is empty") }
        if let quote = text.first, quote == "\"" || quote == "'" {
            guard let literal = Self.parseLiteral(text) else {
                throw fail("a string literal must be one quoted string with only \\\\, \\\" or \\' escapes")
            }
            self = .literal(literal)
            return
        }
        guard let path = Self.parsePath(text) else {
            throw fail("not a string literal or an attribute path (identifiers joined by '.' or ['key'])")
        }
        if let attribute = Self.attribute(for: path) {
            self = attribute
        } else {
            throw fail(
                "`\(path.joined(separator: "."))` is not a supported attribute; supported: quoted literals, "
                    + "[filter_state.]downstream_peer.<field>, [filter_state.]upstream_peer.<field>, "
                    + "<peer>.labels['k'], node.metadata['K'], source|destination|upstream.address|port, "
                    + "connection.mtls, connection.requested_server_name, "
                    + "connection|upstream.uri_san_peer_certificate|uri_san_local_certificate, xds.cluster_name"
            )
        }
    }

    /// The canonical spelling of the attribute.
    public var description: String {
        switch self {
        case .literal(let text): "\"" + text.replacingBackslashAndQuote + "\""
        case .peer(let side, let field): "filter_state.\(side.rawValue).\(field.pathText)"
        case .upstreamFilterStatePeer(let side, let field): "upstream_filter_state.\(side.rawValue).\(field.pathText)"
        case .nodeMetadata(let key): "node.metadata['\(key)']"
        case .address(let endpoint): "\(endpoint.rawValue).address"
        case .port(let endpoint): "\(endpoint.rawValue).port"
        case .connectionMTLS: "connection.mtls"
        case .requestedServerName: "connection.requested_server_name"
        case .uriSAN(.downstreamPeer): "connection.uri_san_peer_certificate"
        case .uriSAN(.downstreamLocal): "connection.uri_san_local_certificate"
        case .uriSAN(.upstreamPeer): "upstream.uri_san_peer_certificate"
        case .uriSAN(.upstreamLocal): "upstream.uri_san_local_certificate"
        case .clusterName: "xds.cluster_name"
        }
    }

    /// Evaluates the attribute for one connection; `unknown` when it has no value.
    public func evaluate(_ input: TCPStatsLabelInput) -> String {
        evaluateIfPresent(input) ?? Self.unknownValue
    }

    private func evaluateIfPresent(_ input: TCPStatsLabelInput) -> String? {
        switch self {
        case .literal(let text):
            return text
        case .peer(let side, let field):
            let lookup = side == .downstream ? input.downstreamPeer : input.filterStateUpstreamPeer
            guard let peer = lookup?.metadata else { return nil }
            return field.value(in: peer)
        case .upstreamFilterStatePeer(let side, let field):
            // Only the upstream metadata exchange publishes on the upstream connection.
            guard side == .upstream, let peer = input.upstreamPeer?.metadata else { return nil }
            return field.value(in: peer)
        case .nodeMetadata(let key):
            if let value = input.localNodeMetadata[key] { return value }
            let node = input.localNode
            let known: String? =
                switch key {
                case "NAME": node.name
                case "NAMESPACE": node.namespace
                case "WORKLOAD_NAME": node.workloadName
                case "CLUSTER_ID": node.clusterID
                default: nil
                }
            return known.flatMap { $0.isEmpty ? nil : $0 }
        case .address(let endpoint):
            return input.address(endpoint).flatMap(Self.format(address:))
        case .port(let endpoint):
            return input.address(endpoint)?.port.map(String.init)
        case .connectionMTLS:
            return (input.downstreamTLS?.peerCertificatePresented ?? false) ? "true" : "false"
        case .requestedServerName:
            return input.requestedServerName
        case .uriSAN(let certificate):
            let sans: [String]? =
                switch certificate {
                case .downstreamPeer: input.downstreamTLS?.peerURISANs
                case .downstreamLocal: input.downstreamTLS?.localURISANs
                case .upstreamPeer: input.upstreamTLS?.peerURISANs
                case .upstreamLocal: input.upstreamTLS?.localURISANs
                }
            return sans?.first
        case .clusterName:
            return input.upstreamClusterName
        }
    }

    /// Envoy's text form of an address: `ip:port`, `[ipv6]:port`, or a socket path.
    static func format(address: SocketAddress) -> String? {
        switch address {
        case .v4:
            guard let ip = address.ipAddress else { return nil }
            return "\(ip):\(address.port ?? 0)"
        case .v6:
            guard let ip = address.ipAddress else { return nil }
            return "[\(ip)]:\(address.port ?? 0)"
        case .unixDomainSocket:
            return address.pathname
        }
    }

    // MARK: - Parsing

    private static func parseLiteral(_ text: String) -> String? {
        guard let quote = text.first, text.count >= 2, text.last == quote else { return nil }
        var result = ""
        var escaping = false
        for character in text.dropFirst().dropLast() {
            if escaping {
                guard character == "\\" || character == "\"" || character == "'" else { return nil }
                result.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == quote {
                return nil
            } else {
                result.append(character)
            }
        }
        return escaping ? nil : result
    }

    /// Splits `a.b['c'].d` into `["a", "b", "c", "d"]`; `nil` if it is not such a path.
    private static func parsePath(_ text: String) -> [String]? {
        var segments: [String] = []
        var rest = Substring(text)
        var expectIdentifier = true
        while !rest.isEmpty {
            if rest.first == "[" {
                guard !segments.isEmpty else { return nil }
                rest.removeFirst()
                guard let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
                rest.removeFirst()
                guard let end = rest.firstIndex(of: quote) else { return nil }
                let key = rest[..<end]
                guard !key.contains("\\") else { return nil }
                rest = rest[rest.index(after: end)...]
                guard rest.first == "]" else { return nil }
                rest.removeFirst()
                segments.append(String(key))
                expectIdentifier = false
            } else if rest.first == "." {
                guard !expectIdentifier else { return nil }
                rest.removeFirst()
                expectIdentifier = true
            } else {
                guard expectIdentifier else { return nil }
                let identifier = rest.prefix { $0.isIdentifierCharacter }
                guard let first = identifier.first, !first.isNumber else { return nil }
                segments.append(String(identifier))
                rest = rest.dropFirst(identifier.count)
                expectIdentifier = false
            }
        }
        return expectIdentifier ? nil : segments
    }

    private static func attribute(for path: [String]) -> TCPStatsAttribute? {
        var path = path[...]
        var upstreamFilterState = false
        if path.first == "filter_state", path.count >= 3 {
            path.removeFirst()
        } else if path.first == "upstream_filter_state", path.count >= 3 {
            path.removeFirst()
            upstreamFilterState = true
        }
        if let sideName = path.first, let side = PeerSide(rawValue: sideName) {
            let rest = Array(path.dropFirst())
            let field: PeerField
            if rest.count == 1, let named = PeerField.byName[rest[0]] {
                field = named
            } else if rest.count == 2, rest[0] == "labels" {
                field = .label(rest[1])
            } else {
                return nil
            }
            return upstreamFilterState ? .upstreamFilterStatePeer(side, field) : .peer(side, field)
        }
        switch Array(path) {
        case let segments where segments.count == 3 && segments[0] == "node" && segments[1] == "metadata":
            return .nodeMetadata(segments[2])
        case ["source", "address"]: return .address(.source)
        case ["source", "port"]: return .port(.source)
        case ["destination", "address"]: return .address(.destination)
        case ["destination", "port"]: return .port(.destination)
        case ["upstream", "address"]: return .address(.upstream)
        case ["upstream", "port"]: return .port(.upstream)
        case ["connection", "mtls"]: return .connectionMTLS
        case ["connection", "requested_server_name"]: return .requestedServerName
        case ["connection", "uri_san_peer_certificate"]: return .uriSAN(.downstreamPeer)
        case ["connection", "uri_san_local_certificate"]: return .uriSAN(.downstreamLocal)
        case ["upstream", "uri_san_peer_certificate"]: return .uriSAN(.upstreamPeer)
        case ["upstream", "uri_san_local_certificate"]: return .uriSAN(.upstreamLocal)
        case ["xds", "cluster_name"]: return .clusterName
        default: return nil
        }
    }
}

extension TCPStatsAttribute.PeerField {
    var pathText: String {
        switch self {
        case .label(let key): "labels['\(key)']"
        case .availabilityZone: "availability_zone"
        default: Self.byName.first { $0.value == self }?.key ?? ""
        }
    }

    /// The field's value in Istio's CEL view of a peer; `nil` when that view omits it (Istio's
    /// peer Struct leaves out empty fields, and `name` unless the cluster is set).
    func value(in peer: WorkloadMetadata) -> String? {
        let value: String
        switch self {
        case .workload: value = peer.workloadName
        case .name: value = peer.clusterID.isEmpty ? "" : peer.name
        case .namespace: value = peer.namespace
        case .cluster: value = peer.clusterID
        case .service: value = peer.canonicalName
        case .revision: value = peer.canonicalRevision
        case .app: value = peer.app
        case .version: value = peer.version
        case .identity: value = peer.identity
        case .type: value = peer.ownerType?.rawValue ?? ""
        case .region: value = peer.region
        case .availabilityZone: value = peer.availabilityZone
        case .label(let key): return peer.additionalLabels[key]
        }
        return value.isEmpty ? nil : value
    }
}

extension TCPStatsLabelInput {
    fileprivate func address(_ endpoint: TCPStatsAttribute.Endpoint) -> SocketAddress? {
        switch endpoint {
        case .source: downstreamRemoteAddress
        case .destination: downstreamLocalAddress
        case .upstream: upstreamHostAddress
        }
    }
}

extension Character {
    fileprivate var isIdentifierCharacter: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) || self == "_"
    }
}

extension String {
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }

    fileprivate var replacingBackslashAndQuote: String {
        var out = ""
        for character in self {
            if character == "\\" || character == "\"" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
