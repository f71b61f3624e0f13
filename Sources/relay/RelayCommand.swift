import ArgumentParser
import BundledFilters
import Dispatch
import Logging
import NIOCore
import Relay
import RelayServer

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

    @Option(name: .customLong("drain-time-s"), help: "Seconds to wait for connections to drain on shutdown.")
    var drainTimeSeconds: Int = 600

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
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT]) { signal in
            logger.info("signal received, draining", metadata: ["signal": "\(signal)"])
            server.shutdown()
        }
        defer { signals.cancel() }
        try await server.start()
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
