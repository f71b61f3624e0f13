import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import Relay
import RelayConfig
#if os(Linux)
import RelayIO
#endif
import Synchronization

/// A configured cluster at run time: hosts, load balancer, circuit breaker, upstream
/// transport socket and upstream filters. Shared by every event loop.
final class RuntimeCluster: UpstreamCluster, Sendable {
    /// How the cluster finds its hosts.
    enum Discovery: Sendable {
        case staticHosts
        /// Resolve these names every `refresh`; STRICT keeps every address, LOGICAL the first.
        case dns(endpoints: [DNSEndpoint], refresh: TimeAmount, logical: Bool)
    }

    /// A DNS-named endpoint.
    struct DNSEndpoint: Sendable {
        let hostname: String
        let port: Int
        let metadata: [String: MetadataValue]
        let weight: Int
        let ipv4Only: Bool
    }

    let info: ClusterInfo
    let hosts: HostSet
    let loadBalancer: LoadBalancer
    let discovery: Discovery
    let transportSocketFactory: (any TransportSocketFactory)?
    let upstreamFilters: [PreparedNetworkFilter]
    let logger: Logger
    /// Raw options for upstream sockets (`upstream_connection_options.tcp_keepalive`).
    let socketOptions: [SocketOptionConfig]
    /// `outlier_detection`, when configured.
    let outlierDetector: OutlierDetector?
    /// `lb_healthy_panic`, created with outlier detection (the only way a host turns unhealthy).
    private let lbHealthyPanic: Counter?
    private let activeConnections = Atomic<Int>(0)
    #if os(Linux)
    /// Upstream socket options for the `native` engine: `TCP_NODELAY`, then the cluster's own.
    let nativeSocketOptions: [RawSocketOption]
    /// Upstream socket settings for the `native` engine (watermarks from the buffer limit).
    let nativeSocketConfiguration: StreamSocket.Configuration
    #endif
    /// The upstream bootstrap per event loop, made on a loop's first connect.
    private let bootstraps = Mutex<[ObjectIdentifier: UpstreamBootstrap]>([:])

    init(
        info: ClusterInfo,
        hosts: [HostDescription],
        loadBalancer: LoadBalancer,
        discovery: Discovery,
        transportSocketFactory: (any TransportSocketFactory)?,
        upstreamFilters: [PreparedNetworkFilter],
        logger: Logger,
        socketOptions: [SocketOptionConfig] = [],
        outlierDetection: ClusterConfig.OutlierDetection? = nil
    ) {
        self.socketOptions = socketOptions
        #if os(Linux)
        self.nativeSocketOptions = [.tcpNoDelay] + socketOptions.map(\.rawOption)
        self.nativeSocketConfiguration = StreamSocket.Configuration(bufferLimit: info.perConnectionBufferLimit)
        #endif
        self.info = info
        self.logger = logger
        self.hosts = HostSet(hosts)
        self.loadBalancer = loadBalancer
        self.discovery = discovery
        self.transportSocketFactory = transportSocketFactory
        self.upstreamFilters = upstreamFilters
        if let outlierDetection {
            outlierDetector = OutlierDetector(
                config: outlierDetection,
                hosts: self.hosts,
                stats: OutlierDetectionStats(scope: info.stats.scope.scope("outlier_detection")),
                membershipHealthy: info.stats.membershipHealthy
            )
            lbHealthyPanic = info.stats.scope.counter("lb_healthy_panic")
        } else {
            outlierDetector = nil
            lbHealthyPanic = nil
        }
        info.stats.membershipTotal.set(Int64(hosts.count))
        info.stats.membershipHealthy.set(Int64(hosts.count))
    }

    /// This cluster's upstream bootstrap for `loop` (made once per loop; it holds the loop, so
    /// the identifier cannot be reused while cached).
    func upstreamBootstrap(on loop: any EventLoop) -> UpstreamBootstrap {
        let id = ObjectIdentifier(loop)
        return bootstraps.withLock { cache in
            if let bootstrap = cache[id] { return bootstrap }
            let bootstrap = UpstreamBootstrap(cluster: self, on: loop)
            cache[id] = bootstrap
            return bootstrap
        }
    }

    func connect(from downstream: NetworkConnection, callbacks: any UpstreamConnectCallbacks) -> UpstreamConnectAttempt {
        connect(from: downstream, callbacks: callbacks, excluding: [])
    }

    /// Connects, avoiding `excluding` when another host is available.
    func connect(
        from downstream: NetworkConnection,
        callbacks: any UpstreamConnectCallbacks,
        excluding: [HostDescription]
    ) -> UpstreamConnectAttempt {
        let pool = hosts.pool
        if pool.isPanic { lbHealthyPanic?.increment() }
        guard let host = loadBalancer.pick(from: pool.hosts, excluding: excluding) else {
            info.stats.upstreamNoneHealthy.increment()
            return .noHealthyHost
        }
        let active = activeConnections.wrappingAdd(1, ordering: .relaxed).newValue
        if active > info.maxConnections {
            activeConnections.wrappingSubtract(1, ordering: .relaxed)
            info.stats.upstreamOverflow.increment()
            return .overflow
        }
        if active == info.maxConnections { info.stats.circuitBreakerOpen.set(1) }
        let attempt = UpstreamConnector(cluster: self, host: host, downstream: downstream, callbacks: callbacks)
        attempt.start()
        return .started(attempt)
    }

    /// An upstream connection of this cluster ended (or never became one).
    func connectionReleased() {
        let remaining = activeConnections.wrappingSubtract(1, ordering: .relaxed).newValue
        if remaining < info.maxConnections { info.stats.circuitBreakerOpen.set(0) }
    }

    /// Re-resolves DNS hosts (blocking; call off the event loops).
    func refreshDNS(logger: Logger) {
        guard case .dns(let endpoints, _, let logical) = discovery else { return }
        var resolved: [HostDescription] = []
        for endpoint in endpoints {
            let addresses = DNSResolver.resolve(host: endpoint.hostname, port: endpoint.port, ipv4Only: endpoint.ipv4Only)
            if addresses.isEmpty {
                logger.debug("DNS resolution returned no address", metadata: ["cluster": "\(info.name)", "host": "\(endpoint.hostname)"])
            }
            for address in logical ? Array(addresses.prefix(1)) : addresses {
                resolved.append(
                    HostDescription(
                        address: address,
                        hostname: endpoint.hostname,
                        clusterName: info.name,
                        metadata: endpoint.metadata,
                        weight: endpoint.weight
                    )
                )
            }
        }
        // Keep existing host objects (and their stats) for addresses that did not change.
        let previous = hosts.current
        let merged = resolved.map { new in
            previous.first { $0.address == new.address && $0.hostname == new.hostname } ?? new
        }
        if let outlierDetector {
            outlierDetector.replaceHosts(merged)
        } else {
            hosts.replace(merged)
        }
        info.stats.membershipTotal.set(Int64(merged.count))
        info.stats.membershipHealthy.set(Int64(hosts.healthyCount))
    }
}

/// Name resolution with the system resolver.
enum DNSResolver {
    static func resolve(host: String, port: Int, ipv4Only: Bool) -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = ipv4Only ? AF_INET : AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sockaddr = info.pointee.ai_addr {
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    let v4 = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                    let address = SocketAddress(v4, host: host)
                    if !addresses.contains(address) { addresses.append(address) }
                case AF_INET6:
                    let v6 = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                    let address = SocketAddress(v6, host: host)
                    if !addresses.contains(address) { addresses.append(address) }
                default:
                    break
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
