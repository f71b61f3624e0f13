/// A tag (label) on a stat: Envoy's tag-extraction result, or a custom metric's label.
public struct StatTag: Hashable, Sendable {
    /// The tag name, e.g. `envoy.cluster_name` or `reporter`.
    public let name: String
    /// The tag value.
    public let value: String

    /// Creates a tag.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The identity of a stat in both of Envoy's views: the flat dotted name (`/stats`) and the
/// tag-extracted name plus tags (`/stats/prometheus`).
public struct StatName: Hashable, Sendable, CustomStringConvertible {
    /// Where a stat's Prometheus name comes from.
    public enum Namespace: Hashable, Sendable {
        /// Envoy's own stats: Prometheus names get the `envoy_` prefix.
        case envoy
        /// A registered custom namespace (such as `istiocustom`): no prefix in Prometheus.
        case custom(String)
    }

    /// The flat name, e.g. `cluster.backend.upstream_cx_total`.
    public let name: String
    /// The name with tag values removed, e.g. `cluster.upstream_cx_total`.
    public let tagExtractedName: String
    /// The extracted tags, in order.
    public let tags: [StatTag]
    /// The namespace that decides the Prometheus prefix.
    public let namespace: Namespace

    /// A stat without tags.
    public init(_ name: String) {
        self.name = name
        self.tagExtractedName = name
        self.tags = []
        self.namespace = .envoy
    }

    /// A stat with an explicit tag-extracted name and tags.
    public init(name: String, tagExtractedName: String, tags: [StatTag], namespace: Namespace = .envoy) {
        self.name = name
        self.tagExtractedName = tagExtractedName
        self.tags = tags
        self.namespace = namespace
    }

    /// A custom-namespace metric: flat name `<ns>.<metric>.<tag>.<value>…`,
    /// Prometheus name `<metric>` with the tags as labels.
    public static func custom(namespace: String, metric: String, tags: [StatTag]) -> StatName {
        var flat = "\(namespace).\(metric)"
        for tag in tags {
            flat += ".\(tag.name).\(tag.value)"
        }
        return StatName(name: flat, tagExtractedName: metric, tags: tags, namespace: .custom(namespace))
    }

    public var description: String { name }

    /// The Prometheus metric name: sanitized, `envoy_`-prefixed for Envoy stats.
    public var prometheusName: String {
        let base = Self.sanitize(tagExtractedName)
        switch namespace {
        case .envoy: return "envoy_" + base
        case .custom: return base
        }
    }

    /// Replaces every character outside `[a-zA-Z0-9_]` with `_`; prefixes a leading digit
    /// with `_` (Envoy's Prometheus rule).
    public static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": out.append(scalar)
            default: out.append("_")
            }
        }
        var result = String(out)
        if let first = result.unicodeScalars.first, ("0"..."9").contains(first) {
            result = "_" + result
        }
        return result
    }
}
