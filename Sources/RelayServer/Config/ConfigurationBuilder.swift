import Logging
import NIOCore
import Relay
import RelayConfig

extension ServerConfiguration {
    /// Loads a bootstrap file (plus optional `--config-yaml` text merged on top), resolves
    /// every `typed_config` through `registry`, and prepares listeners and clusters.
    ///
    /// `nodeOverrides` are Envoy's `--service-node/-cluster/-zone`, applied over `node`.
    ///
    /// - Throws: `RelayConfig/ConfigError` naming `file:line:col` and what was expected.
    public static func load(
        path: String?,
        configYAML: String? = nil,
        nodeOverrides: NodeOverrides = NodeOverrides(),
        registry: FilterRegistry,
        logger: Logger = Logger(label: "relay")
    ) throws -> ServerConfiguration {
        let loader = BootstrapLoader()
        let node = try loader.mergedNode(path: path, configYAML: configYAML)
        return try SensitiveFields.scrubbingErrors(in: node) {
            let bootstrap = try loader.decoder.decode(Bootstrap.self, from: node)
            var builder = try ConfigurationBuilder(bootstrap: bootstrap, node: node, registry: registry, logger: logger)
            builder.nodeOverrides = nodeOverrides
            return try builder.build()
        }
    }

    /// Loads a bootstrap from YAML text.
    public static func load(
        yaml: String,
        fileName: String = BootstrapLoader.inlineFileName,
        registry: FilterRegistry,
        logger: Logger = Logger(label: "relay")
    ) throws -> ServerConfiguration {
        let loader = BootstrapLoader()
        let node = try ConfigNode.parse(yaml: yaml, fileName: fileName)
        return try SensitiveFields.scrubbingErrors(in: node) {
            let bootstrap = try loader.decoder.decode(Bootstrap.self, from: node)
            return try ConfigurationBuilder(bootstrap: bootstrap, node: node, registry: registry, logger: logger).build()
        }
    }
}

/// Turns a decoded `Bootstrap` into runtime objects: every extension resolved through the
/// registry (by `@type`, else by name), prepared once, with errors at their `file:line:col`.
struct ConfigurationBuilder {
    let bootstrap: Bootstrap
    let node: ConfigNode
    let registry: FilterRegistry
    let logger: Logger
    let stats: StatsStore
    let secrets: StaticSecrets
    let decoder = ConfigDecoder()
    let clusterManagerReference = DeferredClusterManager()
    var nodeOverrides = NodeOverrides()

    init(bootstrap: Bootstrap, node: ConfigNode, registry: FilterRegistry, logger: Logger) throws {
        self.bootstrap = bootstrap
        self.node = node
        self.registry = registry
        self.logger = logger
        self.stats = try StatsStore(bootstrap.statsConfig)
        self.secrets = try StaticSecrets(bootstrap.staticResources.secrets)
    }

    func build() throws -> ServerConfiguration {
        try UnsupportedFields(logger: logger).check(bootstrap)
        let localInfo = makeLocalInfo()
        var clusters: [RuntimeCluster] = []
        var seen: Set<String> = []
        for cluster in bootstrap.staticResources.clusters {
            guard seen.insert(cluster.name).inserted else {
                throw ConfigError("duplicate cluster name '\(cluster.name)'; cluster names must be unique", at: cluster.nameMark)
            }
            clusters.append(try makeCluster(cluster, localInfo: localInfo))
        }
        let manager = RuntimeClusterManager(clusters: clusters)
        clusterManagerReference.set(manager)
        var listeners: [ListenerRuntime] = []
        var listenerNames: Set<String> = []
        for (index, listener) in bootstrap.staticResources.listeners.enumerated() {
            let runtime = try makeListener(listener, index: index, localInfo: localInfo)
            guard listenerNames.insert(runtime.name).inserted else {
                throw ConfigError("duplicate listener name '\(runtime.name)'", at: listener.mark)
            }
            listeners.append(runtime)
        }
        var adminAddress: SocketAddress?
        if let admin = bootstrap.admin, let address = admin.address {
            let bound = try socketAddress(address, what: "admin address")
            if !Self.isLoopback(bound) {
                // Honoured, as Envoy does, but the admin interface has no authentication.
                logger.warning(
                    "admin.address \(bound.ipAddress ?? "?"):\(bound.port ?? 0) is not a loopback address: the admin interface has no authentication, so anyone who can reach it can read the configuration and stats and drain or stop the server",
                    metadata: ["at": "\(address.mark)"]
                )
            }
            adminAddress = bound
        }
        return ServerConfiguration(
            listeners: listeners,
            clusterManager: manager,
            adminAddress: adminAddress,
            stats: stats,
            localInfo: localInfo,
            configDumpJSON: ConfigDump.render(bootstrap: node)
        )
    }

    // MARK: - Node

    /// The local node (bootstrap `node` with the command line's overrides), computed once per
    /// `build()` and handed to every extension's context.
    private func makeLocalInfo() -> LocalInfo {
        var info = LocalInfo()
        if let node = bootstrap.node {
            info = LocalInfo(
                nodeID: node.id,
                clusterName: node.cluster,
                metadata: node.metadata,
                region: node.locality?.region ?? "",
                zone: node.locality?.zone ?? "",
                subZone: node.locality?.subZone ?? ""
            )
        }
        if let id = nodeOverrides.id, !id.isEmpty { info.nodeID = id }
        if let cluster = nodeOverrides.cluster, !cluster.isEmpty { info.clusterName = cluster }
        if let zone = nodeOverrides.zone, !zone.isEmpty { info.zone = zone }
        return info
    }

    // MARK: - Addresses

    /// Whether `address` is on the loopback interface (127.0.0.0/8, ::1, or IPv4-mapped 127/8).
    static func isLoopback(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.lowercased().hasPrefix("::ffff:127.")
    }

    func socketAddress(_ address: AddressConfig, what: String) throws -> SocketAddress {
        guard let socket = address.socketAddress else {
            throw ConfigError("\(what): only socket_address is supported (pipe addresses are not)", at: address.mark)
        }
        guard socket.isIPLiteral else {
            throw ConfigError(
                "\(what) must be an IP address, found '\(socket.address)' (names are only resolved for STRICT_DNS/LOGICAL_DNS cluster endpoints)",
                at: socket.mark
            )
        }
        do {
            return try SocketAddress(ipAddress: socket.address, port: socket.portValue)
        } catch {
            throw ConfigError("\(what): invalid IP address '\(socket.address)'", at: socket.mark)
        }
    }

}

/// Decodes a `typed_config` body with the config decoder (unknown fields are errors).
struct NodeConfigDecoding: TypedConfigDecoding {
    let node: ConfigNode
    let decoder: ConfigDecoder
    /// The protobuf message the config is (`envoy.extensions.….v3.TcpProxy`), for errors.
    var messageName: String?

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let messageName { return try decoder.decode(T.self, from: node, messageName: messageName) }
        return try decoder.decode(T.self, from: node)
    }
}

/// The `raw_buffer` transport socket: plaintext, which Relay runs without a transport layer.
enum RawBufferTransport {
    static let typeURL = "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"
}
