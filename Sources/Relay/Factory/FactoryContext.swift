import Logging

/// The local node, from the bootstrap's `node` section (Envoy's `LocalInfo`).
public struct LocalInfo: Sendable {
    /// `node.id`.
    public var nodeID: String
    /// `node.cluster`.
    public var clusterName: String
    /// `node.metadata`, a free-form struct (a control plane puts NAME, NAMESPACE, LABELS… here).
    public var metadata: [String: MetadataValue]
    /// `node.locality.region`.
    public var region: String
    /// `node.locality.zone`.
    public var zone: String
    /// `node.locality.sub_zone`.
    public var subZone: String

    /// Creates node info.
    public init(
        nodeID: String = "",
        clusterName: String = "",
        metadata: [String: MetadataValue] = [:],
        region: String = "",
        zone: String = "",
        subZone: String = ""
    ) {
        self.nodeID = nodeID
        self.clusterName = clusterName
        self.metadata = metadata
        self.region = region
        self.zone = zone
        self.subZone = subZone
    }
}

/// A listener's `traffic_direction`.
public enum TrafficDirection: String, Sendable, Hashable {
    case unspecified = "UNSPECIFIED"
    case inbound = "INBOUND"
    case outbound = "OUTBOUND"
}

/// What a factory may use while preparing its shared config, once per filter chain or
/// cluster, off the event loops.
public struct FactoryContext: Sendable {
    /// The process's stats.
    public let stats: StatsStore
    /// The scope of the owner: `listener.<addr>.` for listener-side factories,
    /// `cluster.<name>.` for cluster-side ones.
    public let scope: StatsScope
    /// The clusters terminal filters connect to.
    public let clusterManager: any ClusterManager
    /// The local node.
    public let localInfo: LocalInfo
    /// The listener's name, for listener-side factories.
    public let listenerName: String?
    /// The listener's `traffic_direction`.
    public let trafficDirection: TrafficDirection
    /// The cluster's name, for cluster-side factories.
    public let clusterName: String?
    /// A logger for the factory and its filters.
    public let logger: Logger

    /// Creates a context.
    public init(
        stats: StatsStore,
        scope: StatsScope,
        clusterManager: any ClusterManager,
        localInfo: LocalInfo,
        listenerName: String? = nil,
        trafficDirection: TrafficDirection = .unspecified,
        clusterName: String? = nil,
        logger: Logger
    ) {
        self.stats = stats
        self.scope = scope
        self.clusterManager = clusterManager
        self.localInfo = localInfo
        self.listenerName = listenerName
        self.trafficDirection = trafficDirection
        self.clusterName = clusterName
        self.logger = logger
    }
}

/// An error that knows which field of a filter's config it is about, so the loader can
/// report it at that field's `file:line:col`. Extension modules make their own config
/// errors conform.
public protocol ConfigFieldError: Error {
    /// The path of the offending field inside the typed config, e.g.
    /// `common_tls_context.tls_certificates[0].private_key`; nil for the config as a whole.
    var configFieldPath: String? { get }
    /// What is wrong and what was expected.
    var fieldErrorMessage: String { get }
}

/// A semantic error in a filter's config, raised by a factory. The loader reports it at the
/// `file:line:col` of `field` inside the filter's `typed_config` (or of the config itself).
public struct FilterConfigError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and what was expected.
    public let message: String
    /// The offending field's path inside the typed config (`cluster`, `tls_params.cipher_suites`).
    public let field: String?

    /// Creates an error.
    public init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }

    public var description: String { message }
}

extension FilterConfigError: ConfigFieldError {
    public var configFieldPath: String? { field }
    public var fieldErrorMessage: String { message }
}
