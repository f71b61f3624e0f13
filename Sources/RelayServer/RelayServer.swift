import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Relay
import RelayConfig
#if os(Linux)
import RelayIO
#endif
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The Relay proxy: listeners on `concurrency` worker event loops, clusters, and the admin
/// server on an event loop of its own (as Envoy runs admin on its main thread, never on a
/// worker, so no admin request can delay proxied traffic), from a prepared ``ServerConfiguration``.
///
/// ```swift
/// var registry = FilterRegistry.bundled
/// registry.register(MyFilter.Factory())
/// let server = try RelayServer(configuration: .load(path: "proxy.yaml", registry: registry))
/// try await server.run()
/// ```
///
/// `RelayServer` is a swift-service-lifecycle `Service`: a program composes it with its other
/// services in a `ServiceGroup`, and can run it on an `EventLoopGroup` it already has
/// (``init(configuration:eventLoopGroup:drainTime:options:logger:)``):
///
/// ```swift
/// let server = RelayServer(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
/// let services = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await services.run()     // SIGTERM: drain (Envoy's graceful drain), then stop
/// ```
public final class RelayServer: Sendable {
    /// The prepared configuration.
    public let configuration: ServerConfiguration
    private let group: any EventLoopGroup
    /// The admin server's own thread.
    private let adminGroup: MultiThreadedEventLoopGroup
    private let ownsGroup: Bool
    private let logger: Logger
    private let state: ServerState
    private let drainTime: Duration
    private let options: CommandLineOptions
    private let runtime = Mutex(RuntimeState())
    private let tracker: ConnectionTracker

    private struct RuntimeState {
        var listenerSockets: [(name: String, socket: BoundListenerSocket, inbound: Bool)] = []
        var adminChannel: (any Channel)?
        var boundListeners: [(name: String, address: SocketAddress)] = []
        var dnsTasks: [Task<Void, Never>] = []
        /// Outlier detection `interval` sweeps, one per cluster that configures it.
        var outlierSweeps: [RepeatedTask] = []
        var drainSequence: Task<Void, Never>?
        /// The drain started by a graceful shutdown (``drainAndShutdown()``).
        var gracefulShutdown: Task<Void, Never>?
        var stopped = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var shutdownRequested = false
    }

    /// Creates a server with event loops of its own, which it shuts down when it stops.
    ///
    /// - Parameters:
    ///   - configuration: listeners, clusters and admin, prepared by ``ServerConfiguration/load(path:configYAML:nodeOverrides:registry:logger:)``.
    ///   - concurrency: event loops (Envoy's `--concurrency`); default: the number of cores.
    ///   - drainTime: Envoy's `--drain-time-s`: how long a graceful drain
    ///     (`/drain_listeners?graceful`, a graceful shutdown) keeps the listeners open before
    ///     closing them. Shutdown (``stop()``, SIGTERM) does not wait for it, as in Envoy.
    ///   - options: the other Envoy command-line options, for `/server_info`.
    ///   - ioEngine: which event loops and sockets carry proxied traffic (see ``IOEngine``).
    ///   - logger: where the server logs.
    public convenience init(
        configuration: ServerConfiguration,
        concurrency: Int? = nil,
        drainTime: Duration = .seconds(600),
        options: CommandLineOptions = CommandLineOptions(),
        ioEngine: IOEngine = .default,
        logger: Logger = Logger(label: "relay")
    ) {
        let threads = max(1, concurrency ?? System.coreCount)
        self.init(
            configuration: configuration,
            group: ioEngine.makeEventLoopGroup(threads: threads),
            ownsGroup: true,
            drainTime: drainTime,
            options: options,
            logger: logger
        )
    }

    /// Creates a server whose workers are the event loops of `eventLoopGroup`, a group the
    /// caller owns: one listening socket per loop, each connection on the loop that accepted
    /// it, and the group left running when the server stops (the caller shuts it down). The
    /// admin server still gets an event loop of its own.
    ///
    /// - Parameters:
    ///   - configuration: listeners, clusters and admin, prepared by ``ServerConfiguration/load(path:configYAML:nodeOverrides:registry:logger:)``.
    ///   - eventLoopGroup: the worker loops: a NIOPosix `MultiThreadedEventLoopGroup` (the `nio`
    ///     engine) or a RelayIO `NativeEventLoopGroup` (the `native` engine), since listeners and
    ///     upstream connections are POSIX sockets. ``start()`` throws
    ///     ``UnsupportedEventLoopGroupError`` for any other kind.
    ///   - drainTime: Envoy's `--drain-time-s` (see ``init(configuration:concurrency:drainTime:options:ioEngine:logger:)``).
    ///   - options: the other Envoy command-line options, for `/server_info`.
    ///   - logger: where the server logs.
    public convenience init(
        configuration: ServerConfiguration,
        eventLoopGroup: any EventLoopGroup,
        drainTime: Duration = .seconds(600),
        options: CommandLineOptions = CommandLineOptions(),
        logger: Logger = Logger(label: "relay")
    ) {
        self.init(
            configuration: configuration,
            group: eventLoopGroup,
            ownsGroup: false,
            drainTime: drainTime,
            options: options,
            logger: logger
        )
    }

    private init(
        configuration: ServerConfiguration,
        group: any EventLoopGroup,
        ownsGroup: Bool,
        drainTime: Duration,
        options: CommandLineOptions,
        logger: Logger
    ) {
        self.configuration = configuration
        self.group = group
        self.adminGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.ownsGroup = ownsGroup
        self.tracker = ConnectionTracker(loops: Array(group.makeIterator()))
        self.logger = logger
        self.drainTime = drainTime
        self.options = options
        AccessLogger.fileFlushInterval = options.fileFlushInterval
        var loops = 0
        for _ in group.makeIterator() { loops += 1 }
        self.state = ServerState(stats: configuration.stats, concurrency: loops)
    }

    /// The listeners' bound addresses (real ports when configured with port 0), by name.
    public var listenerAddresses: [String: SocketAddress] {
        runtime.withLock { state in
            Dictionary(state.boundListeners.map { ($0.name, $0.address) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The admin server's bound address, if there is an admin server.
    public var adminAddress: SocketAddress? {
        runtime.withLock { $0.adminChannel?.localAddress }
    }

    /// The process's stats.
    public var stats: StatsStore { configuration.stats }

    /// The worker event loops (for tests that look at per-loop state, such as live objects).
    package var eventLoops: [any EventLoop] { Array(group.makeIterator()) }

    /// Resolves DNS clusters, binds the listeners and the admin server. Returns once
    /// everything accepts connections.
    ///
    /// - Throws: ``BindError`` naming the listener (or the admin server) and the address when
    ///   an address cannot be bound. A `start()` that throws has already stopped the server and
    ///   released what it had bound.
    public func start() async throws {
        do {
            try await startComponents()
        } catch {
            await stop()
            throw error
        }
        state.set(.live)
    }

    private func startComponents() async throws {
        guard ServerBootstrap(validatingGroup: group) != nil || IOEngine.isNative(group) else {
            throw UnsupportedEventLoopGroupError(group: "\(type(of: group))")
        }
        for cluster in configuration.clusterManager.clusters.values {
            guard let detector = cluster.outlierDetector else { continue }
            let sweep = detector.start(on: group.next())
            runtime.withLock { $0.outlierSweeps.append(sweep) }
        }
        for cluster in configuration.clusterManager.clusters.values {
            guard case .dns(_, let refresh, _) = cluster.discovery else { continue }
            let logger = self.logger
            try await NIOThreadPool.singleton.runIfActive { cluster.refreshDNS(logger: logger) }
            let task = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .nanoseconds(refresh.nanoseconds))
                    if Task.isCancelled { break }
                    _ = try? await NIOThreadPool.singleton.runIfActive { cluster.refreshDNS(logger: logger) }
                }
            }
            runtime.withLock { $0.dnsTasks.append(task) }
        }
        for listener in configuration.listeners {
            let sockets: [BoundListenerSocket]
            do {
                sockets = try await bind(listener)
            } catch {
                throw BindError(listener: listener.name, address: listener.address, underlying: error)
            }
            let address = sockets.first?.localAddress ?? listener.address
            logger.info(
                "listener started",
                metadata: ["name": "\(listener.name)", "address": "\(address)", "workers": "\(sockets.count)"]
            )
            runtime.withLock { state in
                for socket in sockets {
                    state.listenerSockets.append((listener.name, socket, listener.trafficDirection == .inbound))
                }
                state.boundListeners.append((listener.name, address))
            }
        }
        if let adminAddress = configuration.adminAddress {
            let channel: any Channel
            do {
                channel = try await bindAdmin(adminAddress)
            } catch {
                throw BindError(listener: nil, address: adminAddress, underlying: error)
            }
            logger.info("admin server started", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            runtime.withLock { $0.adminChannel = channel }
        }
    }

    /// Starts the server, serves until it is asked to stop, stops it and returns: the
    /// swift-service-lifecycle `Service` entry point.
    ///
    /// It stops:
    /// - at once when the calling task is cancelled, on ``shutdown()`` and on admin
    ///   `/quitquitquit` (Envoy's shutdown: see ``stop()``);
    /// - after a drain on a graceful shutdown (a `ServiceGroup`'s graceful-shutdown signal, or
    ///   ``drainAndShutdown()``): Envoy's `/drain_listeners?graceful` — `/ready` answers
    ///   `DRAINING`, the listeners keep accepting for the drain time and are then closed — ending
    ///   early as soon as no downstream connection is open; then the server stops.
    ///
    /// - Throws: what ``start()`` throws.
    public func run() async throws {
        try await start()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await waitUntilShutdownRequested()
            } onCancel: {
                self.shutdown()
            }
        } onGracefulShutdown: {
            self.drainAndShutdown()
        }
        await stop()
    }

    /// Asks a running server to drain and then stop (a graceful shutdown): Envoy's graceful
    /// drain (`/drain_listeners?graceful`) for at most the drain time, ended early once no
    /// downstream connection is open; then ``shutdown()``. ``run()`` returns after it. A second
    /// call while one drains changes nothing.
    public func drainAndShutdown() {
        let drainTime = self.drainTime
        runtime.withLock { state in
            guard state.gracefulShutdown == nil, !state.stopped, !state.shutdownRequested else { return }
            logger.info("graceful shutdown: draining", metadata: ["drain_time": "\(drainTime)"])
            state.gracefulShutdown = Task { [self] in
                self.state.set(.draining)
                await waitForConnectionsToClose(atMost: drainTime)
                closeListeners(inboundOnly: false)
                shutdown()
            }
        }
    }

    /// Returns when no downstream connection is open or after `limit`, whichever comes
    /// first, or when the server stops. Event-driven: it waits on the open connections' close
    /// futures (taken again each time they have all closed, for connections accepted
    /// meanwhile) and on one timer, never polls.
    private func waitForConnectionsToClose(atMost limit: Duration) async {
        let loop = group.next()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(continuation)
            let (seconds, attoseconds) = limit.components
            let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            let amount: TimeAmount = nanoseconds.overflow ? .hours(24 * 365) : .nanoseconds(nanoseconds.partialValue + attoseconds / 1_000_000_000)
            // Runs on expiry, on cancel() below and when the loop shuts down.
            let timer = loop.scheduleTask(in: amount) {}
            timer.futureResult.whenComplete { _ in once.resume() }
            whenNoConnectionIsOpen(on: loop) { timer.cancel() }
        }
    }

    /// Calls `body` once no downstream connection is open.
    private func whenNoConnectionIsOpen(on loop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
        tracker.whenAllClosed(on: loop).whenComplete { _ in body() }
    }

    /// Asks a running server to stop at once, without a drain (Envoy's shutdown, as on
    /// SIGTERM); ``run()`` and ``waitUntilShutdownRequested()`` then return.
    public func shutdown() {
        let waiters = runtime.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.shutdownRequested = true
            defer { state.shutdownWaiters.removeAll() }
            return state.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``shutdown()`` was called (or admin `/quitquitquit`).
    public func waitUntilShutdownRequested() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = runtime.withLock { state -> Bool in
                if state.shutdownRequested { return true }
                state.shutdownWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Envoy's server shutdown (SIGTERM, SIGINT, admin `/quitquitquit`): stops accepting,
    /// closes every open connection and the admin server, releases the event loops it owns
    /// (not a caller's group) and writes out the access logs' buffers.
    ///
    /// Like Envoy (`InstanceImpl::shutdown` then `terminate`), shutdown does not wait for
    /// connections to drain; draining is what `/drain_listeners?graceful` does beforehand (as
    /// Istio's agent does before it sends SIGTERM), over the drain time (`drainTime`).
    public func stop() async {
        let (listeners, admin, tasks, alreadyStopped) = runtime.withLock { state in
            defer {
                for sweep in state.outlierSweeps { sweep.cancel() }
                state.outlierSweeps.removeAll()
                state.stopped = true
                state.listenerSockets.removeAll()
                state.adminChannel = nil
                state.dnsTasks.removeAll()
                state.drainSequence = nil
                state.gracefulShutdown = nil
            }
            return (state.listenerSockets, state.adminChannel, state.dnsTasks + [state.drainSequence].compactMap { $0 }, state.stopped)
        }
        guard !alreadyStopped else { return }
        state.set(.draining)
        for task in tasks { task.cancel() }
        for listener in listeners { await listener.socket.close() }
        await tracker.closeAll()
        try? await admin?.close()
        if ownsGroup { try? await group.shutdownGracefully() }
        try? await adminGroup.shutdownGracefully()
        // The lines of the connections just closed, and any still waiting for the interval.
        AccessLogger.flushAll()
    }

    /// Admin `/drain_listeners`: stops accepting on the listeners (only inbound ones with
    /// `inboundOnly`). With `graceful`, Envoy's drain sequence runs first: the listeners keep
    /// accepting for the drain time and are closed after it; a second graceful request while one
    /// runs changes nothing. Open connections are left to finish in both cases.
    func drainListeners(inboundOnly: Bool, graceful: Bool) {
        guard graceful else {
            closeListeners(inboundOnly: inboundOnly)
            return
        }
        let drainTime = self.drainTime
        runtime.withLock { state in
            guard state.drainSequence == nil, !state.stopped else { return }
            logger.info("draining listeners", metadata: ["drain_time": "\(drainTime)"])
            state.drainSequence = Task { [weak self] in
                try? await Task.sleep(for: drainTime)
                guard !Task.isCancelled else { return }
                self?.closeListeners(inboundOnly: inboundOnly)
            }
        }
    }

    private func closeListeners(inboundOnly: Bool) {
        let sockets = runtime.withLock { state in
            state.listenerSockets.filter { !inboundOnly || $0.inbound }.map(\.socket)
        }
        for socket in sockets { socket.closeSoon() }
    }

    /// Reopens every file access log (Envoy does this on SIGUSR1, after logrotate renamed the
    /// files): lines written afterwards go to a new file at the configured path.
    public func reopenAccessLogs() {
        AccessLogger.reopenAll(logger: logger)
    }

    // MARK: - Binding

    /// Binds `listener` once per event loop with `SO_REUSEPORT` (Envoy's worker model): the
    /// kernel spreads accepted connections over the loops, and each connection lives on the
    /// loop that accepted it, with no cross-thread hand-off. With port 0 the first socket
    /// picks the port and the others join it. If one bind fails, the others are closed.
    private func bind(_ listener: ListenerRuntime) async throws -> [BoundListenerSocket] {
        var address = listener.address
        var sockets: [BoundListenerSocket] = []
        do {
            for loop in group.makeIterator() {
                let socket: BoundListenerSocket
                #if os(Linux)
                if let native = loop as? NativeEventLoop {
                    socket = try await bindNative(listener, on: native, to: address)
                } else {
                    socket = .channel(try await bind(listener, on: loop, to: address))
                }
                #else
                socket = .channel(try await bind(listener, on: loop, to: address))
                #endif
                if sockets.isEmpty, let bound = socket.localAddress { address = bound }
                sockets.append(socket)
            }
        } catch {
            for socket in sockets { await socket.close() }
            throw error
        }
        return sockets
    }

    private func bind(_ listener: ListenerRuntime, on loop: any EventLoop, to address: SocketAddress) async throws
        -> any Channel
    {
        let limit = listener.bufferLimit
        let tracker = self.tracker
        let logger = self.logger
        var bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: listener.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
            .serverChannelInitializer { channel in
                // Out of file descriptors: pause accepting (NIO's backoff), count and log.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler(shouldForwardIOErrorCaught: true))
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptErrorHandler(stats: listener.stats, listenerName: listener.name, logger: logger)
                    )
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.recvAllocator, value: Self.receiveAllocator)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    tracker.add(channel)
                    let handler = listener.makeHandler(for: channel)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        #if os(Linux)
        // Linux copies TCP_NODELAY from the listening socket to every accepted socket: set it
        // once here instead of one setsockopt per connection.
        bootstrap = bootstrap.serverChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        #else
        bootstrap = bootstrap.childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        #endif
        if limit > 0 {
            bootstrap = bootstrap.childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(low: limit / 2, high: limit)
            )
        }
        for option in listener.socketOptions where option.state == .prebind {
            bootstrap = bootstrap.serverChannelOption(option.channelOption, value: Int(option.intValue))
        }
        let channel = try await bootstrap.bind(to: address).get()
        // NIO binds and listens in one step: STATE_BOUND and STATE_LISTENING options follow it.
        for option in listener.socketOptions where option.state != .prebind {
            try await channel.setOption(option.channelOption, value: Int(option.intValue)).get()
        }
        return channel
    }

    #if os(Linux)
    /// The `native` engine's listening socket for `listener` on `loop` (one per loop, sharing
    /// the port with `SO_REUSEPORT`, as on NIO). Accepted sockets get `TCP_NODELAY` from the
    /// listening socket, their peer address from `accept4` and, when the listener is bound to a
    /// specific address, their local address from the listener (no `getsockname`).
    private func bindNative(_ listener: ListenerRuntime, on loop: NativeEventLoop, to address: SocketAddress) async throws
        -> BoundListenerSocket
    {
        let tracker = self.tracker
        let logger = self.logger
        let prebind = listener.socketOptions.filter { $0.state == .prebind }.map(\.rawOption)
        let postbind = listener.socketOptions.filter { $0.state != .prebind }.map(\.rawOption)
        let configuration = StreamSocket.Configuration(bufferLimit: listener.bufferLimit)
        return try await loop.submit { () throws -> BoundListenerSocket in
            var accounting = AcceptErrorAccounting(stats: listener.stats, listenerName: listener.name)
            var acceptedLocalAddress: SocketAddress?
            let socket = try ListeningSocket(
                address: address,
                backlog: listener.backlog,
                reusePort: true,
                options: prebind + [.tcpNoDelay],
                on: loop,
                onAccept: { descriptor, peer in
                    let stream: StreamSocket
                    do {
                        stream = try StreamSocket.adopt(accepted: descriptor, remoteAddress: peer, on: loop, configuration: configuration)
                    } catch {
                        logger.warning("listener \(listener.name): cannot register an accepted socket: \(error)")
                        return
                    }
                    let handler = listener.makeNativeHandler(for: stream, localAddress: acceptedLocalAddress)
                    stream.setDelegate(handler)
                    tracker.add(handler)
                    handler.socketAccepted()
                },
                onAcceptError: { code in
                    if let message = accounting.record(errno: code, at: .now()) { logger.warning("\(message)") }
                }
            )
            for option in postbind { try socket.apply(option) }
            let bound = socket.localAddress
            let wildcard = bound.ipAddress == "0.0.0.0" || bound.ipAddress == "::"
            acceptedLocalAddress = wildcard ? nil : bound
            return .native(NIOLoopBound(socket, eventLoop: loop), address: bound)
        }.get()
    }
    #endif

    /// Receive buffers for proxied sockets. NIO keeps each channel's last receive buffer for
    /// reuse, so an idle connection holds one per socket: start small (512 bytes instead of NIO's
    /// 2 KiB) and let the adaptive allocator grow it for bulk transfers as before (up to 64 KiB).
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)

    /// An integer socket option of listener `name`'s first listening socket, or nil when there
    /// is no such listener (for tests; either engine).
    package func listenerSocketOption(named name: String, level: Int32, option: Int32) async throws -> Int32? {
        let socket = runtime.withLock { state in state.listenerSockets.first { $0.name == name }?.socket }
        guard let socket else { return nil }
        return try await socket.option(level: level, name: option)
    }

    /// The listening sockets of listener `name`, one per event loop (for tests; NIO engine).
    package func listenerChannels(named name: String) -> [any Channel] {
        runtime.withLock { state in
            state.listenerSockets.filter { $0.name == name }.compactMap {
                if case .channel(let channel) = $0.socket { return channel }
                return nil
            }
        }
    }

    private func bindAdmin(_ address: SocketAddress) async throws -> any Channel {
        let admin = makeAdminContext()
        return try await ServerBootstrap(group: adminGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(admin: admin))
                }
            }
            .bind(to: address)
            .get()
    }

    private func makeAdminContext() -> AdminContext {
        let configuration = self.configuration
        let state = self.state
        return AdminContext(
            stats: configuration.stats,
            state: state,
            configDumpJSON: { configuration.configDumpJSON },
            serverInfoJSON: { [weak self] in self?.serverInfoJSON() ?? "{}" },
            listenersText: { [weak self] json in self?.listenersText(json: json) ?? "" },
            clustersText: { json in AdminClusters.render(configuration.clusterManager, json: json) },
            quit: { [weak self] in self?.shutdown() },
            drainListeners: { [weak self] inbound, graceful in self?.drainListeners(inboundOnly: inbound, graceful: graceful) }
        )
    }

    private func listenersText(json: Bool) -> String {
        let bound = runtime.withLock { $0.boundListeners }
        if json {
            let items = bound.map { item in
                let ip = item.address.ipAddress ?? ""
                let port = item.address.port ?? 0
                return "{\"name\":\(AdminJSON.string(item.name)),\"local_address\":{\"socket_address\":{\"address\":\(AdminJSON.string(ip)),\"port_value\":\(port)}},\"additional_local_addresses\":[]}"
            }
            return "{\"listener_statuses\":[" + items.joined(separator: ",") + "]}\n"
        }
        return bound.map { "\($0.name)::\($0.address.ipAddress ?? ""):\($0.address.port ?? 0)\n" }.joined()
    }

    private func serverInfoJSON() -> String {
        state.publish()
        let info = configuration.localInfo
        let uptime = state.uptimeSeconds
        return """
            {"version":"relay/\(RelayVersion.current)","state":"\(state.current.name)","hot_restart_version":"disabled",\
            "command_line_options":\(commandLineOptionsJSON()),\
            "node":{"id":\(AdminJSON.string(info.nodeID)),"cluster":\(AdminJSON.string(info.clusterName)),\
            "locality":{"region":\(AdminJSON.string(info.region)),"zone":\(AdminJSON.string(info.zone)),\
            "sub_zone":\(AdminJSON.string(info.subZone))}},\
            "uptime_current_epoch":"\(uptime)s","uptime_all_epochs":"\(uptime)s"}

            """
    }

    /// Envoy's `envoy.admin.v3.CommandLineOptions` JSON (proto3 JSON: 64-bit ints and
    /// durations as strings, enums by name).
    private func commandLineOptionsJSON() -> String {
        func seconds(_ duration: Duration) -> String {
            let (whole, attoseconds) = duration.components
            let millis = attoseconds / 1_000_000_000_000_000
            return millis == 0 ? "\"\(whole)s\"" : "\"\(whole).\(threeDigits(millis))s\""
        }
        let fields: [(String, String)] = [
            ("base_id", "\"\(options.baseID)\""),
            ("concurrency", "\(state.concurrency.value)"),
            ("config_path", AdminJSON.string(options.configPath)),
            // Envoy echoes --config-yaml verbatim; private keys in it are redacted here.
            ("config_yaml", AdminJSON.string(SensitiveFields.redact(yaml: options.configYAML))),
            ("allow_unknown_static_fields", "false"),
            ("reject_unknown_dynamic_fields", "\(options.rejectUnknownDynamicFields)"),
            ("admin_address_path", AdminJSON.string(options.adminAddressPath)),
            ("local_address_ip_version", AdminJSON.string(options.localAddressIPVersion.rawValue)),
            ("log_level", AdminJSON.string(options.logLevel)),
            ("component_log_level", AdminJSON.string(options.componentLogLevel)),
            ("log_format", AdminJSON.string(options.logFormat)),
            ("log_path", AdminJSON.string(options.logPath)),
            ("service_cluster", AdminJSON.string(options.serviceCluster)),
            ("service_node", AdminJSON.string(options.serviceNode)),
            ("service_zone", AdminJSON.string(options.serviceZone)),
            ("drain_strategy", AdminJSON.string(options.drainStrategy == .gradual ? "Gradual" : "Immediate")),
            ("mode", "\"Serve\""),
            ("disable_hot_restart", "true"),
            ("restart_epoch", "0"),
            ("file_flush_interval", seconds(options.fileFlushInterval)),
            ("drain_time", seconds(drainTime)),
            ("parent_shutdown_time", seconds(options.parentShutdownTime)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// `value` as three digits (`7` → `007`), for milliseconds after a decimal point.
private func threeDigits(_ value: Int64) -> String {
    let digits = "\(value)"
    return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
}

/// Relay's version string.
public enum RelayVersion {
    /// The version of this build.
    public static let current = "0.1.0"
}
extension RelayServer: Service {}

/// ``RelayServer/start()`` was given an event loop group whose loops cannot run POSIX sockets
/// (listeners and upstream connections need NIOPosix's `MultiThreadedEventLoopGroup` or
/// RelayIO's `NativeEventLoopGroup`).
public struct UnsupportedEventLoopGroupError: Error, CustomStringConvertible {
    /// The group's type.
    public let group: String

    /// One line naming the group's type and what to use instead.
    public var description: String {
        "cannot run Relay's listeners on a \(group): use a NIOPosix MultiThreadedEventLoopGroup or a RelayIO NativeEventLoopGroup"
    }
}

/// Resumes a continuation once, whichever of several events comes first.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, Never>?>

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume() {
        continuation.withLock { $0.take() }?.resume()
    }
}
