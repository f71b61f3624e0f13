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

/// The `relay` command, shaped like `envoy`: serve or validate a bootstrap.
@main
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "An Envoy-style L4 proxy: listeners, filter chains, tcp_proxy, TLS, Istio metadata exchange and TCP stats."
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case serve, validate
    }

    @Option(name: [.customShort("c"), .customLong("config-path")], help: "The bootstrap YAML file.")
    var configPath: String?

    @Option(name: .customLong("config-yaml"), help: "Bootstrap YAML merged on top of --config-path.")
    var configYAML: String?

    @Option(help: "serve (default) or validate (load the config, print OK or the errors).")
    var mode: Mode = .serve

    @Option(name: [.customShort("l"), .customLong("log-level")], help: "trace, debug, info, warning, error, critical, off.")
    var logLevel: String = "info"

    @Option(help: "Worker event loops (default: the number of cores).")
    var concurrency: Int?

    @Option(
        name: .customLong("drain-time-s"),
        help: "Envoy's drain time: how long /drain_listeners?graceful keeps listeners open before closing them. SIGTERM does not wait for it (as in Envoy)."
    )
    var drainTimeSeconds: UInt32 = 600

    @Option(name: .customLong("admin-address-path"), help: "Write the admin server's bound ip:port to this file.")
    var adminAddressPath: String?

    func validate() throws {
        if configPath == nil && configYAML == nil {
            throw ValidationError("one of --config-path (-c) or --config-yaml is required")
        }
    }

    func run() async throws {
        let level = try Self.parseLevel(logLevel)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "relay")
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(
                path: configPath,
                configYAML: configYAML,
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
        let server = RelayServer(
            configuration: configuration,
            concurrency: concurrency,
            drainTime: .seconds(drainTimeSeconds),
            logger: logger
        )
        let signals = SignalWatcher(signals: ProcessSignals.handled) { signal in
            ProcessSignals.handle(signal, server: server, logger: logger)
        }
        defer { signals.cancel() }
        do {
            try await server.start()
        } catch let error as BindError {
            FileHandleStderr.write("\(error)\n")
            throw ExitCode(1)
        }
        if let adminAddressPath, let address = server.adminAddress {
            try AdminAddressFile.write("\(address.ipAddress ?? "127.0.0.1"):\(address.port ?? 0)\n", to: adminAddressPath)
        }
        await server.waitUntilShutdownRequested()
        await server.stop()
        logger.info("exiting")
    }

    static func parseLevel(_ text: String) throws -> Logger.Level {
        switch text.lowercased() {
        case "trace": return .trace
        case "debug": return .debug
        case "info": return .info
        case "warning", "warn": return .warning
        case "error": return .error
        case "critical", "off": return .critical
        default: throw ValidationError("unknown log level '\(text)'")
        }
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

    static func handle(_ signal: Int32, server: RelayServer, logger: Logger) {
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
