#if canImport(Glibc)
import Glibc
#endif

/// Writes access-log lines to a file (appending) or to standard output. Each line is one
/// `write(2)` on an `O_APPEND` descriptor, so concurrent event loops never interleave lines.
public final class AccessLogger: Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let format: AccessLogFormat

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
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
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
