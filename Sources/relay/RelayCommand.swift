import ArgumentParser
import BundledFilters
import Dispatch
import Logging
import NIOCore
import Relay
import RelayServer
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `relay` command, shaped like `envoy`: serve or validate a bootstrap, with Envoy's
/// command-line flags and their Envoy meaning. A flag Relay cannot honour is an error (exit 1),
/// never silently ignored.
@main
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "An Envoy-style L4 proxy: listeners, filter chains, tcp_proxy, TLS, Istio metadata exchange and TCP stats.",
        version: "relay version: \(RelayVersion.current)"
    )

    /// Envoy's `--mode`.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        /// Load, bind and serve (default).
        case serve
        /// Load the config, print OK or the errors, exit.
        case validate
        /// Load the config and initialize the server (resolve, bind listeners and admin), then
        /// exit 0 without serving; a bind failure exits 1.
        case initOnly = "init_only"
    }

    @Option(name: [.customShort("c"), .customLong("config-path")], help: "The bootstrap YAML file.")
    var configPath: String?

    @Option(name: .customLong("config-yaml"), help: "Bootstrap YAML merged on top of --config-path.")
    var configYAML: String?

    @Option(help: "serve (default), validate (load the config, print OK or the errors) or init_only (initialize, bind, exit).")
    var mode: Mode = .serve

    @Option(name: [.customShort("l"), .customLong("log-level")], help: "trace, debug, info, warning, error, critical, off.")
    var logLevel: String = "info"

    @Option(name: .customLong("component-log-level"), help: "Per-component levels, e.g. upstream:debug,config:trace (Envoy's component names).")
    var componentLogLevel: String = ""

    @Option(name: .customLong("log-format"), help: "Log line format in spdlog syntax (Envoy's specifiers).")
    var logFormat: String = EnvoyLogFormat.envoyDefault

    @Option(name: .customLong("log-path"), help: "Append logs to this file instead of standard error (reopened on SIGUSR1).")
    var logPath: String?

    @Option(help: "Worker event loops (default: the number of cores).")
    var concurrency: Int?

    @Option(
        name: .customLong("drain-time-s"),
        help: "Envoy's drain time: how long /drain_listeners?graceful keeps listeners open before closing them. SIGTERM does not wait for it (as in Envoy)."
    )
    var drainTimeSeconds: UInt32 = 600

    @Option(
        name: .customLong("io-engine"),
        help: "native (default on Linux: Relay's own edge-triggered event loops) or nio (SwiftNIO's). Default from RELAY_IO_ENGINE."
    )
    var ioEngine: String?

    @Option(name: .customLong("drain-strategy"), help: "gradual (default) or immediate.")
    var drainStrategy: String = "gradual"

    @Option(name: .customLong("parent-shutdown-time-s"), help: "Hot restart parent shutdown time (Relay has no hot restart: accepted, shown in /server_info).")
    var parentShutdownTimeSeconds: UInt32 = 900

    @Option(name: .customLong("file-flush-interval-msec"), help: "Longest an access-log line waits in its buffer before it is written (64 KiB are written at once).")
    var fileFlushIntervalMilliseconds: UInt32 = 10_000

    @Option(name: .customLong("local-address-ip-version"), help: "v4 (default) or v6.")
    var localAddressIPVersion: String = "v4"

    @Option(name: .customLong("service-cluster"), help: "Overrides node.cluster.")
    var serviceCluster: String = ""

    @Option(name: .customLong("service-node"), help: "Overrides node.id.")
    var serviceNode: String = ""

    @Option(name: .customLong("service-zone"), help: "Overrides node.locality.zone.")
    var serviceZone: String = ""

    @Flag(name: .customLong("disable-hot-restart"), help: "Disable hot restart (Relay never hot restarts).")
    var disableHotRestart = false

    @Option(name: .customLong("base-id"), help: "Hot restart base ID (Relay has no hot restart: accepted, shown in /server_info).")
    var baseID: UInt32 = 0

    @Option(name: .customLong("restart-epoch"), help: "Hot restart epoch: only 0 (Relay has no hot restart).")
    var restartEpoch: UInt32 = 0

    @Flag(name: .customLong("allow-unknown-static-fields"), help: "Not supported: unknown bootstrap fields are always errors in Relay.")
    var allowUnknownStaticFields = false

    @Flag(name: .customLong("reject-unknown-dynamic-fields"), help: "Reject unknown fields in dynamic configuration (Relay has only static configuration, where they are always rejected).")
    var rejectUnknownDynamicFields = false

    @Option(name: .customLong("admin-address-path"), help: "Write the admin server's bound ip:port to this file.")
    var adminAddressPath: String?

    func validate() throws {
        if configPath == nil && configYAML == nil {
            throw ValidationError("one of --config-path (-c) or --config-yaml is required")
        }
    }

    /// The flags that need checking beyond their type, with Envoy's error texts.
    func commandLineOptions() throws(LogOptionError) -> CommandLineOptions {
        var options = CommandLineOptions()
        guard let strategy = CommandLineOptions.DrainStrategy(rawValue: drainStrategy) else {
            throw LogOptionError("error: unknown drain-strategy '\(drainStrategy)'")
        }
        guard let ipVersion = CommandLineOptions.IPVersion(rawValue: localAddressIPVersion) else {
            throw LogOptionError("error: unknown IP address version '\(localAddressIPVersion)'")
        }
        if allowUnknownStaticFields {
            throw LogOptionError("error: --allow-unknown-static-fields is not supported by Relay: unknown bootstrap fields are always errors")
        }
        if restartEpoch != 0 {
            throw LogOptionError("error: --restart-epoch \(restartEpoch) is not supported by Relay: Relay has no hot restart")
        }
        options.drainStrategy = strategy
        options.localAddressIPVersion = ipVersion
        options.baseID = baseID
        options.parentShutdownTime = .seconds(parentShutdownTimeSeconds)
        options.fileFlushInterval = .milliseconds(fileFlushIntervalMilliseconds)
        options.rejectUnknownDynamicFields = rejectUnknownDynamicFields
        options.logLevel = logLevel
        options.componentLogLevel = componentLogLevel
        options.logFormat = logFormat
        options.logPath = logPath ?? ""
        options.serviceCluster = serviceCluster
        options.serviceNode = serviceNode
        options.serviceZone = serviceZone
        options.configPath = configPath ?? ""
        options.configYAML = configYAML ?? ""
        options.adminAddressPath = adminAddressPath ?? ""
        return options
    }

    func run() async throws {
        let options: CommandLineOptions
        let sink: LogSink
        do {
            options = try commandLineOptions()
            let settings = try LogSettings(level: logLevel, componentLevels: componentLogLevel, format: logFormat)
            sink = try logPath.map { path throws(LogOptionError) in try LogSink(path: path) } ?? LogSink()
            LoggingSystem.bootstrap { _ in EnvoyLogHandler(settings: settings, sink: sink) }
        } catch {
            FileHandleStderr.write("\(error)\n")
            throw ExitCode(1)
        }
        let logger = Logger(label: "relay")
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(
                path: configPath,
                configYAML: configYAML,
                nodeOverrides: NodeOverrides(id: serviceNode, cluster: serviceCluster, zone: serviceZone),
                registry: .bundled,
                logger: logger
            )
        } catch {
            FileHandleStderr.write("\(error)\n")
            throw ExitCode(1)
        }
        if mode == .validate {
            print("OK")
            return
        }
        let engineName = ioEngine ?? getenv("RELAY_IO_ENGINE").map { String(cString: $0) } ?? IOEngine.default.rawValue
        guard let engine = IOEngine(rawValue: engineName) else {
            FileHandleStderr.write("error: --io-engine must be one of \(IOEngine.allCases.map(\.rawValue).joined(separator: ", ")), not '\(engineName)'\n")
            throw ExitCode(1)
        }
        let server = RelayServer(
            configuration: configuration,
            concurrency: concurrency,
            drainTime: .seconds(drainTimeSeconds),
            options: options,
            ioEngine: engine,
            logger: logger
        )
        let signals = SignalWatcher(signals: ProcessSignals.handled) { signal in
            ProcessSignals.handle(signal, server: server, logSink: sink, logger: logger)
        }
        defer { signals.cancel() }
        do {
            try await server.start()
        } catch let error as BindError {
            FileHandleStderr.write("\(error)\n")
            throw ExitCode(1)
        }
        if mode == .initOnly {
            await server.stop()
            return
        }
        if let adminAddressPath, let address = server.adminAddress {
            try AdminAddressFile.write("\(address.ipAddress ?? "127.0.0.1"):\(address.port ?? 0)\n", to: adminAddressPath)
        }
        await server.waitUntilShutdownRequested()
        await server.stop()
        logger.info("exiting")
    }
}

/// Writes to standard error without Foundation.
enum FileHandleStderr {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = Glibc.write(2, bytes.baseAddress, bytes.count)
        }
    }
}

/// Writes the admin address file atomically (write a temporary file, then rename), so a
/// reader never sees a partial address.
enum AdminAddressFile {
    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ValidationError("cannot write \(path)") }
        var text = text
        text.withUTF8 { bytes in _ = Glibc.write(fd, bytes.baseAddress, bytes.count) }
        close(fd)
        guard rename(temporary, path) == 0 else { throw ValidationError("cannot write \(path)") }
    }
}

/// What `relay` does on each signal, as Envoy (`source/server/server.cc`, `RunHelper`):
/// SIGTERM and SIGINT shut the server down (no drain, exit 0); a second one while that
/// shutdown is still running exits at once (status 128 + signal). SIGUSR1 reopens the access
/// logs (logrotate). SIGHUP is logged and ignored (Envoy "eats" it; Relay has no hot restart).
/// SIGUSR2, which Envoy leaves at its default action (terminate), is logged and ignored so a
/// stray signal cannot cut every connection.
enum ProcessSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2]
    private static let shutdownSignals = Atomic<Int>(0)

    static func handle(_ signal: Int32, server: RelayServer, logSink: LogSink, logger: Logger) {
        switch signal {
        case SIGTERM, SIGINT:
            let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
            let earlier = shutdownSignals.add(1, ordering: .relaxed).oldValue
            if earlier == 0 {
                logger.warning("caught \(name), shutting down")
                server.shutdown()
            } else {
                logger.warning("caught \(name) again during shutdown, exiting now")
                _exit(128 + signal)
            }
        case SIGUSR1:
            logger.info("caught SIGUSR1, reopening access logs")
            logSink.reopen()
            server.reopenAccessLogs()
        case SIGHUP:
            logger.warning("caught and ignored SIGHUP (Relay has no hot restart)")
        default:
            logger.warning("caught and ignored signal \(signal)")
        }
    }
}

/// Turns POSIX signals into a callback on a dispatch queue.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "relay.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
