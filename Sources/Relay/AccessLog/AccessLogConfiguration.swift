/// An `access_log` entry (`envoy.config.accesslog.v3.AccessLog`) with a file or stdout
/// logger: `envoy.access_loggers.file` (`FileAccessLog`: `path`, `log_format`) or
/// `envoy.access_loggers.stdout` (`StdoutAccessLog`: `log_format`).
public struct AccessLogConfiguration: Decodable, Sendable, Hashable {
    /// The logger's name (informational, as in Envoy).
    public var name: String
    /// The logger's settings.
    public var typedConfig: Logger

    /// `FileAccessLog` / `StdoutAccessLog`.
    public struct Logger: Decodable, Sendable, Hashable {
        /// `@type`.
        public var type: String
        /// `path` (file logger).
        public var path: String?
        /// `log_format`.
        public var logFormat: LogFormat?

        enum CodingKeys: String, CodingKey {
            case type = "@type"
            case path
            case logFormat = "log_format"
        }

        /// Creates logger settings.
        public init(type: String, path: String? = nil, logFormat: LogFormat? = nil) {
            self.type = type
            self.path = path
            self.logFormat = logFormat
        }
    }

    /// `envoy.config.core.v3.SubstitutionFormatString`, text forms.
    public struct LogFormat: Decodable, Sendable, Hashable {
        /// `text_format` (deprecated in Envoy, still accepted).
        public var textFormat: String?
        /// `text_format_source.inline_string`.
        public var textFormatSource: InlineString?

        enum CodingKeys: String, CodingKey {
            case textFormat = "text_format"
            case textFormatSource = "text_format_source"
        }
    }

    /// `{inline_string: …}`.
    public struct InlineString: Decodable, Sendable, Hashable {
        public var inlineString: String

        enum CodingKeys: String, CodingKey {
            case inlineString = "inline_string"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name
        case typedConfig = "typed_config"
    }

    /// Creates an entry.
    public init(name: String, typedConfig: Logger) {
        self.name = name
        self.typedConfig = typedConfig
    }

    /// The file logger's type URL.
    public static let fileTypeURL = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog"
    /// The stdout logger's type URL.
    public static let stdoutTypeURL = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog"
    /// The stderr logger's type URL.
    public static let stderrTypeURL = "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog"
}
