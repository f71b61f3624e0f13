import IstioPeer
import Relay

/// The labels of one connection's Istio TCP metrics: the 23 standard tags, derived exactly as
/// Istio's native stats filter derives them, and each metric's final tag list after the
/// config's custom dimensions and `tags_to_remove` (or `nil` for a dropped metric).
///
/// A connection computes its labels once, at its first report, and keeps them (see
/// ``TCPConnectionReporter``).
public struct TCPStatsLabels: Hashable, Sendable {
    /// The 23 standard tags, in Istio's order (``standardTagNames``).
    public let standard: [TCPStatsTag]
    private let perMetric: [TCPStatsMetric: [TCPStatsTag]]

    /// The standard tag names, in the order Istio emits them.
    public static let standardTagNames: [String] = [
        "reporter", "source_workload", "source_canonical_service", "source_canonical_revision",
        "source_workload_namespace", "source_principal", "source_app", "source_version", "source_cluster",
        "destination_workload", "destination_workload_namespace", "destination_principal", "destination_app",
        "destination_version", "destination_service", "destination_canonical_service",
        "destination_canonical_revision", "destination_service_name", "destination_service_namespace",
        "destination_cluster", "request_protocol", "response_flags", "connection_security_policy",
    ]

    /// Upstream cluster names whose name becomes `destination_service_name` as-is.
    public static let passthroughClusterNames: Set<String> = [
        "BlackHoleCluster", "PassthroughCluster", "InboundPassthroughCluster",
        "InboundPassthroughClusterIpv4", "InboundPassthroughClusterIpv6",
    ]

    /// Derives the labels of a connection: the standard tags from `input`, then, per metric,
    /// the config's overrides. Every custom dimension is evaluated once.
    public init(input: TCPStatsLabelInput, config: TCPStatsConfig) {
        let standard = Self.standardTags(for: input)
        self.standard = standard
        let overrides = config.overrides
        var values: [TCPStatsAttribute: String] = [:]
        for attribute in overrides.attributes {
            values[attribute] = attribute.evaluate(input)
        }
        var perMetric: [TCPStatsMetric: [TCPStatsTag]] = [:]
        for metric in TCPStatsMetric.allCases {
            perMetric[metric] = overrides.apply(to: standard, metric: metric, values: values)
        }
        self.perMetric = perMetric
    }

    /// The tags a metric is recorded with, or `nil` if the config drops the metric.
    public func tags(for metric: TCPStatsMetric) -> [TCPStatsTag]? {
        perMetric[metric]
    }

    /// The value of a standard tag.
    public subscript(standardTag name: String) -> String? {
        standard.first { $0.name == name }?.value
    }

    /// The counter increments for `events`, with this connection's tags; events of dropped
    /// metrics produce nothing.
    public func samples(for events: [TCPStatsEvent]) -> [TCPStatsSample] {
        events.compactMap { event in
            tags(for: event.metric).map { TCPStatsSample(metric: event.metric, tags: $0, amount: event.amount) }
        }
    }

    // MARK: - Standard derivation

    /// The 23 standard tags for `input`, in order (Istio 1.30's `istio_stats` rules):
    /// - peer-derived values default to `unknown` (`latest` for a peer canonical revision);
    /// - local node values are used as-is, even when empty;
    /// - the peer namespace comes from the peer SAN's `/ns/<x>/`, else the peer's metadata;
    /// - `connection_security_policy` is `mutual_tls`/`none` for destination and waypoint,
    ///   `unknown` for source.
    public static func standardTags(for input: TCPStatsLabelInput) -> [TCPStatsTag] {
        let unknown = TCPStatsAttribute.unknownValue
        let local = input.localNode
        let reporter = input.reporter

        // The peer: the downstream peer on the server side; on the client side the upstream
        // peer, else the upstream endpoint's `istio.workload` metadata.
        let peer: WorkloadMetadata?
        switch reporter {
        case .destination, .waypoint:
            peer = input.downstreamPeer?.metadata
        case .source:
            peer = input.upstreamPeer?.metadata ?? input.upstreamEndpointWorkload.flatMap(endpointWorkload(from:))
        }

        // The destination service, from the upstream cluster.
        var serviceHost = ""
        var serviceName = ""
        var serviceNamespace = ""
        if let cluster = input.upstreamClusterName, passthroughClusterNames.contains(cluster) {
            serviceName = cluster
        } else if let service = input.upstreamService {
            serviceHost = service.host ?? ""
            serviceNamespace = service.namespace ?? ""
            serviceName = service.name ?? String(serviceHost.prefix { $0 != "." })
        }

        // Principals.
        var peerSAN = ""
        var localSAN = ""
        let securityPolicy: String
        switch reporter {
        case .destination, .waypoint:
            peerSAN = input.downstreamTLS?.peerURISANs.first ?? ""
            localSAN = input.downstreamTLS?.localURISANs.first ?? ""
            securityPolicy = !peerSAN.isEmpty && !localSAN.isEmpty ? "mutual_tls" : "none"
        case .source:
            peerSAN = input.upstreamTLS?.peerURISANs.first ?? ""
            if peerSAN.isEmpty, let exchanged = input.upstreamPeer?.metadata {
                peerSAN = exchanged.identity
            }
            localSAN = input.upstreamTLS?.localURISANs.first ?? ""
            securityPolicy = unknown
        }
        var peerNamespace = namespace(fromPrincipal: peerSAN) ?? ""
        if peerNamespace.isEmpty, let peer {
            peerNamespace = peer.namespace
        }

        func nonEmpty(_ value: String?, else fallback: String) -> String {
            guard let value, !value.isEmpty else { return fallback }
            return value
        }

        var tags: [TCPStatsTag] = []
        tags.reserveCapacity(standardTagNames.count)
        func add(_ name: String, _ value: String) { tags.append(TCPStatsTag(name, value)) }

        add("reporter", reporter.rawValue)
        switch reporter {
        case .destination, .waypoint:
            add("source_workload", nonEmpty(peer?.workloadName, else: unknown))
            add("source_canonical_service", nonEmpty(peer?.canonicalName, else: unknown))
            add("source_canonical_revision", nonEmpty(peer?.canonicalRevision, else: "latest"))
            add("source_workload_namespace", nonEmpty(peerNamespace, else: unknown))
            add("source_principal", nonEmpty(peerSAN, else: unknown))
            add("source_app", nonEmpty(peer?.app, else: unknown))
            add("source_version", nonEmpty(peer?.version, else: unknown))
            add("source_cluster", nonEmpty(peer?.clusterID, else: unknown))
            if reporter == .waypoint {
                let upstream = input.upstreamPeer?.metadata
                add("destination_workload", nonEmpty(upstream?.workloadName, else: unknown))
                add("destination_workload_namespace", nonEmpty(upstream?.namespace, else: unknown))
                add("destination_principal", nonEmpty(upstream?.identity, else: unknown))
                add("destination_app", nonEmpty(upstream?.app, else: unknown))
                add("destination_version", nonEmpty(upstream?.version, else: unknown))
                add("destination_service", nonEmpty(serviceHost, else: unknown))
                add("destination_canonical_service", nonEmpty(upstream?.canonicalName, else: unknown))
                add("destination_canonical_revision", nonEmpty(upstream?.canonicalRevision, else: unknown))
                add("destination_service_name", nonEmpty(serviceName, else: unknown))
                add("destination_service_namespace", nonEmpty(serviceNamespace, else: unknown))
                add("destination_cluster", nonEmpty(upstream?.clusterID, else: unknown))
            } else {
                add("destination_workload", local.workloadName)
                add("destination_workload_namespace", local.namespace)
                add("destination_principal", nonEmpty(localSAN, else: unknown))
                add("destination_app", local.app)
                add("destination_version", local.version)
                add("destination_service", nonEmpty(serviceHost, else: local.canonicalName))
                add("destination_canonical_service", local.canonicalName)
                add("destination_canonical_revision", local.canonicalRevision)
                add("destination_service_name", nonEmpty(serviceName, else: local.canonicalName))
                add("destination_service_namespace", local.namespace)
                add("destination_cluster", local.clusterID)
            }
        case .source:
            add("source_workload", local.workloadName)
            add("source_canonical_service", local.canonicalName)
            add("source_canonical_revision", local.canonicalRevision)
            add("source_workload_namespace", local.namespace)
            add("source_principal", nonEmpty(localSAN, else: unknown))
            add("source_app", local.app)
            add("source_version", local.version)
            add("source_cluster", local.clusterID)
            add("destination_workload", nonEmpty(peer?.workloadName, else: unknown))
            add("destination_workload_namespace", nonEmpty(peerNamespace, else: unknown))
            add("destination_principal", nonEmpty(peerSAN, else: unknown))
            add("destination_app", nonEmpty(peer?.app, else: unknown))
            add("destination_version", nonEmpty(peer?.version, else: unknown))
            add("destination_service", nonEmpty(serviceHost, else: unknown))
            add("destination_canonical_service", nonEmpty(peer?.canonicalName, else: unknown))
            add("destination_canonical_revision", nonEmpty(peer?.canonicalRevision, else: "latest"))
            add("destination_service_name", nonEmpty(serviceName, else: unknown))
            add("destination_service_namespace", nonEmpty(serviceNamespace, else: nonEmpty(peerNamespace, else: unknown)))
            add("destination_cluster", nonEmpty(peer?.clusterID, else: unknown))
        }
        add("request_protocol", "tcp")
        add("response_flags", input.responseFlags.isEmpty ? "-" : input.responseFlags)
        add("connection_security_policy", securityPolicy)
        return tags
    }

    /// The namespace in a SPIFFE-style principal (`spiffe://td/ns/<namespace>/sa/<sa>`): the
    /// text after the first `/ns/` up to the next `/` (or the end); `nil` without `/ns/`.
    public static func namespace(fromPrincipal principal: String) -> String? {
        guard let marker = principal.range(of: "/ns/") else { return nil }
        let rest = principal[marker.upperBound...]
        return String(rest.prefix { $0 != "/" })
    }

    /// Decodes an endpoint's `istio.workload` metadata,
    /// `workload;namespace;canonical_service;canonical_revision;cluster_id` (extra fields are
    /// ignored); `nil` with fewer than five fields. It carries no app, version or identity.
    public static func endpointWorkload(from encoding: String) -> WorkloadMetadata? {
        let parts = encoding.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 5 else { return nil }
        return WorkloadMetadata(
            namespace: parts[1],
            workloadName: parts[0],
            clusterID: parts[4],
            canonicalName: parts[2],
            canonicalRevision: parts[3]
        )
    }
}

extension String {
    fileprivate func range(of needle: String) -> Range<Index>? {
        guard !needle.isEmpty, count >= needle.count else { return nil }
        var start = startIndex
        while let candidate = self[start...].firstIndex(of: needle.first!) {
            if self[candidate...].hasPrefix(needle) {
                return candidate..<index(candidate, offsetBy: needle.count)
            }
            start = index(after: candidate)
        }
        return nil
    }
}
