import Logging
import Synchronization

/// Writes access-log lines to a file (appending), standard output or standard error, off
/// the event loop: a line is rendered on the connection's loop and appended to the
/// destination's buffer; a thread of the destination's own writes the buffer when it reaches
/// 64 KiB, or at the latest ``fileFlushInterval`` after the line (Envoy's
/// `--file-flush-interval-msec`, default 10 s), as Envoy's access-log files do. Loggers of one
/// path share one buffer and writer, so their lines never interleave.
///
/// File logs can be reopened (``reopenAll(logger:)``, which `relay` runs on SIGUSR1 as Envoy
/// does): after logrotate renames a file, later lines go to a new file at the configured path.
/// ``flushAll()`` writes every buffer at once (a server does it when it stops).
public final class AccessLogger: Sendable {
    private let file: AccessLogFile
    private let format: AccessLogFormat

    /// The longest a line waits in a buffer before it is written (Envoy's
    /// `--file-flush-interval-msec`; default 10 s). Process-wide, as in Envoy; it applies from
    /// the next line that finds a buffer empty. `RelayServer` sets it from its options.
    public static var fileFlushInterval: Duration {
        get { .milliseconds(flushIntervalMilliseconds.load(ordering: .relaxed)) }
        set {
            let (seconds, attoseconds) = newValue.components
            let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
            let value = milliseconds.overflow ? Int64.max : milliseconds.partialValue + attoseconds / 1_000_000_000_000_000
            flushIntervalMilliseconds.store(max(1, value), ordering: .relaxed)
        }
    }

    private static let flushIntervalMilliseconds = Atomic<Int64>(10_000)

    /// Opens the logger an `access_log` entry describes.
    public init(_ configuration: AccessLogConfiguration) throws {
        let text = configuration.typedConfig.logFormat.flatMap { $0.textFormatSource?.inlineString ?? $0.textFormat }
        format = try AccessLogFormat(text ?? AccessLogFormat.envoyDefault)
        switch configuration.typedConfig.type {
        case AccessLogConfiguration.fileTypeURL:
            guard let path = configuration.typedConfig.path, !path.isEmpty else {
                throw FilterConfigError("a file access log needs a path", field: "typed_config.path")
            }
            if path == "/dev/stdout" {
                file = .standardOutput
            } else if path == "/dev/stderr" {
                file = .standardError
            } else {
                do {
                    file = try AccessLogFile.shared(path: path)
                } catch {
                    throw FilterConfigError("\(error)", field: "typed_config.path")
                }
            }
        case AccessLogConfiguration.stdoutTypeURL:
            file = .standardOutput
        case AccessLogConfiguration.stderrTypeURL:
            file = .standardError
        default:
            throw FilterConfigError(
                "unsupported access logger @type '\(configuration.typedConfig.type)'; expected FileAccessLog, StdoutAccessLog or StderrAccessLog",
                field: "typed_config"
            )
        }
    }

    /// Writes what this logger's file has buffered, then reopens it at its configured path
    /// (creating it if it was renamed or removed), on the file's own thread. Loggers writing
    /// to standard output or error only flush.
    ///
    /// - Throws: `FilterConfigError` when the path cannot be opened; the old file stays in use.
    public func reopen() throws {
        do {
            try file.reopen()
        } catch {
            throw FilterConfigError("\(error)", field: "typed_config.path")
        }
    }

    /// Reopens every open file access log in the process (Envoy's SIGUSR1); a file that cannot
    /// be reopened is logged and keeps its old descriptor.
    public static func reopenAll(logger: Logger) {
        let files = AccessLogFile.all
        var reopened = 0
        for file in files {
            do {
                try file.reopen()
                if file.path != nil { reopened += 1 }
            } catch {
                logger.error("\(error)")
            }
        }
        logger.info("reopened access logs", metadata: ["files": "\(reopened)"])
    }

    /// Writes every buffered line of every access log in the process, and returns when they
    /// are written (shutdown, tests).
    public static func flushAll() {
        for file in AccessLogFile.all { file.flush() }
    }

    /// Writes the line for `connection`.
    public func log(_ connection: NetworkConnection) {
        log(AccessLogRecord(connection: connection))
    }

    /// Writes the line for `record`.
    public func log(_ record: AccessLogRecord) {
        var line = format.render(record)
        if !line.hasSuffix("\n") { line += "\n" }
        file.append(line)
    }
}
