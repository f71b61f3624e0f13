import Relay

extension WorkloadMetadata {
    /// Istio's label keys with special meaning.
    public enum LabelKey {
        public static let canonicalName = "service.istio.io/canonical-name"
        public static let canonicalRevision = "service.istio.io/canonical-revision"
        public static let app = "app"
        public static let version = "version"
        public static let kubernetesAppName = "app.kubernetes.io/name"
        public static let kubernetesAppVersion = "app.kubernetes.io/version"
    }

    /// Normalises an Istio node's metadata (the bootstrap `node.metadata` struct: NAME,
    /// NAMESPACE, WORKLOAD_NAME, CLUSTER_ID, IDENTITY, LABELS, OWNER, REGION,
    /// AVAILABILITY_ZONE) the way Istio 1.24+ does (`WorkloadMetadataObject`).
    ///
    /// - Parameters:
    ///   - nodeMetadata: the free-form node metadata.
    ///   - region: the node locality's region, used when metadata has no REGION.
    ///   - zone: the node locality's zone, used when metadata has no AVAILABILITY_ZONE.
    ///   - additionalLabels: label names kept beside the four special ones.
    public init(
        nodeMetadata: [String: MetadataValue],
        region: String = "",
        zone: String = "",
        additionalLabels: [String] = []
    ) {
        func string(_ key: String) -> String { nodeMetadata[key]?.stringValue ?? "" }
        let labels = nodeMetadata["LABELS"]?.objectValue ?? [:]
        func label(_ key: String) -> String? {
            guard let value = labels[key]?.stringValue, !value.isEmpty else { return nil }
            return value
        }
        var extra: [String: String] = [:]
        for name in additionalLabels {
            if let value = label(name) { extra[name] = value }
        }
        self.init(
            name: string("NAME"),
            namespace: string("NAMESPACE"),
            workloadName: string("WORKLOAD_NAME"),
            clusterID: string("CLUSTER_ID"),
            identity: string("IDENTITY"),
            canonicalName: label(LabelKey.canonicalName) ?? "",
            canonicalRevision: label(LabelKey.canonicalRevision) ?? "",
            app: label(LabelKey.kubernetesAppName) ?? label(LabelKey.app) ?? "",
            version: label(LabelKey.kubernetesAppVersion) ?? label(LabelKey.version) ?? "",
            ownerType: Self.ownerType(fromOwner: string("OWNER")),
            region: string("REGION").isEmpty ? region : string("REGION"),
            availabilityZone: string("AVAILABILITY_ZONE").isEmpty ? zone : string("AVAILABILITY_ZONE"),
            additionalLabels: extra
        )
    }

    /// The workload kind named by an Istio `OWNER` URI
    /// (`kubernetes://apis/apps/v1/namespaces/<ns>/deployments/<name>` → `.deployment`):
    /// drop the trailing `/<name>`, take the last path segment, drop its plural `s`.
    public static func ownerType(fromOwner owner: String) -> OwnerType? {
        guard !owner.isEmpty else { return nil }
        var segments = owner.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return nil }
        segments.removeLast()
        var kind = String(segments.last ?? "")
        if kind.hasSuffix("s") { kind.removeLast() }
        return OwnerType(rawValue: kind)
    }

    /// Istio's rebuilt `OWNER`: `kubernetes://apis/apps/v1/namespaces/<ns>/<type>s/<workload>`,
    /// or nil when the kind is unknown.
    public var owner: String? {
        guard let ownerType else { return nil }
        return "kubernetes://apis/apps/v1/namespaces/\(namespace)/\(ownerType.rawValue)s/\(workloadName)"
    }
}

extension LocalInfo {
    /// The local node as an Istio workload.
    public func workloadMetadata(additionalLabels: [String] = []) -> WorkloadMetadata {
        WorkloadMetadata(nodeMetadata: metadata, region: region, zone: zone, additionalLabels: additionalLabels)
    }
}
