import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `relay`'s log output, as Envoy's: `--log-level` for every component, `--component-log-level`
/// overriding named components, lines in the `--log-format` pattern, written to standard error
/// or appended to `--log-path` (reopened on SIGUSR1, like the access logs).
///
/// Relay's log lines belong to the Envoy component of the code that logs them: `admin` (the
/// admin server), `upstream` (clusters, hosts, load balancing, upstream connects), `config`
/// (loading and building the configuration), `conn_handler` (listeners), `connection`
/// (connections, TLS), `filter` (network filters), `file` (access logs), `main` (the server and
/// the `relay` command), `misc` (anything else).
struct EnvoyLogHandler: LogHandler {
    let settings: LogSettings
    let sink: LogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    init(settings: LogSettings, sink: LogSink) {
        self.settings = settings
        self.sink = sink
        logLevel = settings.mostVerbose
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let component = Self.component(source: event.source, file: event.file)
        let envoyLevel = EnvoyLogLevel(event.level)
        guard envoyLevel >= settings.level(for: component) else { return }
        var text = event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        if let error = event.error { text += " error=\(error)" }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let record = LogRecord(
            time: .init(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec)),
            levelName: envoyLevel.name,
            component: component,
            message: text,
            thread: UInt64(pthread_self()),
            file: event.file,
            function: event.function,
            line: event.line
        )
        sink.write(settings.format.render(record) + "\n")
    }

    /// The Envoy component for a log call in `source` (module) and `file` (`Module/File.swift`).
    static func component(source: String, file: String) -> String {
        let name = String(file.split(separator: "/").last ?? "")
        switch source {
        case "RelayServer":
            if name.hasPrefix("Admin") || name == "ServerState.swift" { return "admin" }
            if name.contains("Cluster") || name.contains("Upstream") || name.contains("LoadBalancer") || name.contains("HostSet") {
                return "upstream"
            }
            if name.contains("Config") || name.contains("Metadata") || name.hasPrefix("FilterChainCriteria") { return "config" }
            if name.hasPrefix("Listener") || name.hasPrefix("FilterChain") { return "conn_handler" }
            if name.contains("Connection") { return "connection" }
            return "main"
        case "RelayConfig": return "config"
        case "TCPProxy", "MetadataExchange", "TCPStats", "BundledFilters", "ExampleFilters": return "filter"
        case "TLS": return "connection"
        case "Relay":
            if name.hasPrefix("AccessLog") { return "file" }
            if name.hasPrefix("Filter") { return "filter" }
            if name.contains("Connection") || name.hasPrefix("Transport") { return "connection" }
            if name.contains("Cluster") || name.contains("Host") { return "upstream" }
            return "misc"
        case "relay": return "main"
        default: return "misc"
        }
    }
}

/// Envoy's log levels, least to most severe, and `off`.
enum EnvoyLogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, warning, error, critical, off

    /// Envoy's `--log-level` names (`warn` too).
    init?(name: String) {
        switch name {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "critical": self = .critical
        case "off": self = .off
        default: return nil
        }
    }

    init(_ level: Logger.Level) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info, .notice: self = .info
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }

    var name: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        case .off: "off"
        }
    }

    /// The swift-log level a handler must let through to see this level's lines.
    var swiftLogLevel: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        case .critical, .off: .critical
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The parsed logging flags.
struct LogSettings: Sendable {
    /// Envoy's logger ids (`source/common/common/logger.h`, `ALL_LOGGER_IDS`):
    /// `--component-log-level` accepts exactly these names.
    static let envoyComponents: Set<String> = [
        "admin", "alternate_protocols_cache", "aws", "assert", "backtrace", "basic_auth", "cache_filter",
        "client", "config", "connection", "conn_handler", "decompression", "dns", "dubbo", "envoy_bug",
        "ext_authz", "ext_proc", "rocketmq", "file", "filter", "forward_proxy", "geolocation", "grpc",
        "happy_eyeballs", "hc", "health_checker", "http", "http2", "hystrix", "init", "io", "jwt", "kafka",
        "key_value_store", "lua", "main", "matcher", "misc", "mongo", "multi_connection", "oauth2", "quic",
        "quic_stream", "pool", "rate_limit_quota", "rbac", "rds", "redis", "router", "runtime", "stats",
        "secret", "tap", "testing", "thrift", "tracing", "upstream", "udp", "wasm", "websocket", "golang",
    ]

    let global: EnvoyLogLevel
    let components: [String: EnvoyLogLevel]
    let format: EnvoyLogFormat

    /// Parses `--log-level`, `--component-log-level` (`upstream:debug,config:trace`) and
    /// `--log-format`, with Envoy's errors for a bad level or component.
    init(level: String, componentLevels: String, format: String) throws(LogOptionError) {
        guard let global = EnvoyLogLevel(name: level) else {
            throw LogOptionError("error: invalid log level specified '\(level)'")
        }
        self.global = global
        var components: [String: EnvoyLogLevel] = [:]
        for item in componentLevels.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw LogOptionError("error: component log level not correctly specified '\(item)'")
            }
            let component = String(parts[0])
            guard Self.envoyComponents.contains(component) else {
                throw LogOptionError("error: invalid component specified '\(component)'")
            }
            guard let componentLevel = EnvoyLogLevel(name: String(parts[1])) else {
                throw LogOptionError("error: invalid log level specified '\(parts[1])'")
            }
            components[component] = componentLevel
        }
        self.components = components
        self.format = try EnvoyLogFormat(format)
    }

    func level(for component: String) -> EnvoyLogLevel {
        components[component] ?? global
    }

    /// The most verbose level any component logs at (what swift-log must pass to the handler).
    var mostVerbose: Logger.Level {
        ([global] + components.values).min()!.swiftLogLevel
    }
}

/// Where log lines go: standard error, or a file opened for appending (one `write(2)` per line,
/// so threads never interleave within a line). A file can be reopened after rotation.
final class LogSink: Sendable {
    private let descriptor: Int32
    private let path: String?

    /// Standard error.
    init() {
        descriptor = 2
        path = nil
    }

    /// Appends to `path` (created if missing).
    init(path: String) throws(LogOptionError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LogOptionError("Failed to open log-file '\(path)': \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        self.path = path
    }

    deinit {
        if path != nil { close(descriptor) }
    }

    func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in _ = Glibc.write(descriptor, bytes.baseAddress, bytes.count) }
    }

    /// Reopens the file at its path (after logrotate renamed it); standard error does nothing.
    func reopen() {
        guard let path else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = dup2(fd, descriptor)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        close(fd)
    }
}
