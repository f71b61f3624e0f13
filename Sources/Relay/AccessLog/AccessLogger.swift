import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes access-log lines to a file (appending) or to standard output. Each line is one
/// `write(2)` on an `O_APPEND` descriptor, so concurrent event loops never interleave lines.
///
/// File logs can be reopened (``reopenAll(logger:)``, which `relay` runs on SIGUSR1 as Envoy
/// does): after logrotate renames a file, later lines go to a new file at the configured path.
public final class AccessLogger: Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let format: AccessLogFormat
    /// The file's path when this logger opened it (and so can reopen it).
    private let path: String?

    /// Every live logger that owns a file, for ``reopenAll(logger:)``.
    private static let openFiles = Mutex<[ObjectIdentifier: WeakAccessLogger]>([:])

    /// Opens the logger an `access_log` entry describes.
    public init(_ configuration: AccessLogConfiguration) throws {
        let text = configuration.typedConfig.logFormat.flatMap { $0.textFormatSource?.inlineString ?? $0.textFormat }
        format = try AccessLogFormat(text ?? AccessLogFormat.envoyDefault)
        var openedPath: String?
        switch configuration.typedConfig.type {
        case AccessLogConfiguration.fileTypeURL:
            guard let path = configuration.typedConfig.path, !path.isEmpty else {
                throw FilterConfigError("a file access log needs a path", field: "typed_config.path")
            }
            if path == "/dev/stdout" {
                descriptor = 1
                ownsDescriptor = false
            } else if path == "/dev/stderr" {
                descriptor = 2
                ownsDescriptor = false
            } else {
                let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    throw FilterConfigError("cannot open access log '\(path)': errno \(errno)", field: "typed_config.path")
                }
                descriptor = fd
                ownsDescriptor = true
                openedPath = path
            }
        case AccessLogConfiguration.stdoutTypeURL:
            descriptor = 1
            ownsDescriptor = false
        case AccessLogConfiguration.stderrTypeURL:
            descriptor = 2
            ownsDescriptor = false
        default:
            throw FilterConfigError(
                "unsupported access logger @type '\(configuration.typedConfig.type)'; expected FileAccessLog, StdoutAccessLog or StderrAccessLog",
                field: "typed_config"
            )
        }
        path = openedPath
        if openedPath != nil {
            let id = ObjectIdentifier(self)
            let entry = WeakAccessLogger(logger: self)
            Self.openFiles.withLock { $0[id] = entry }
        }
    }

    deinit {
        if path != nil {
            let id = ObjectIdentifier(self)
            _ = Self.openFiles.withLock { $0.removeValue(forKey: id) }
        }
        if ownsDescriptor { close(descriptor) }
    }

    /// Reopens this logger's file at its configured path (creating it if it was renamed or
    /// removed). The descriptor number stays the same (`dup2` onto it), so a line being
    /// written concurrently lands whole in either the old or the new file. Loggers writing to
    /// standard output or error do nothing.
    public func reopen() throws {
        guard let path else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FilterConfigError("cannot reopen access log '\(path)': errno \(errno)", field: "typed_config.path")
        }
        defer { close(fd) }
        guard dup2(fd, descriptor) >= 0 else {
            throw FilterConfigError("cannot reopen access log '\(path)': errno \(errno)", field: "typed_config.path")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    /// Reopens every open file access log in the process (Envoy's SIGUSR1); a file that cannot
    /// be reopened is logged and keeps its old descriptor.
    public static func reopenAll(logger: Logger) {
        let loggers = openFiles.withLock { $0.values.compactMap(\.logger) }
        for accessLogger in loggers {
            do {
                try accessLogger.reopen()
            } catch {
                logger.error("\(error)")
            }
        }
        logger.info("reopened access logs", metadata: ["files": "\(loggers.count)"])
    }

    /// Writes the line for `connection`.
    public func log(_ connection: NetworkConnection) {
        log(AccessLogRecord(connection: connection))
    }

    /// Writes the line for `record`.
    public func log(_ record: AccessLogRecord) {
        var line = format.render(record)
        if !line.hasSuffix("\n") { line += "\n" }
        line.withUTF8 { bytes in
            _ = write(descriptor, bytes.baseAddress, bytes.count)
        }
    }
}

/// A weak reference to a logger in ``AccessLogger``'s registry of open files.
private struct WeakAccessLogger: Sendable {
    weak var logger: AccessLogger?
}
