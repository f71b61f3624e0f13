import Logging
import Synchronization

/// A log handler that keeps the messages of warnings (and worse) logged while a config loads.
struct WarningCollector: LogHandler {
    final class Lines: Sendable {
        let values = Mutex<[String]>([])
    }
    let lines = Lines()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.values.withLock { $0.append("\(event.message)") }
    }

    /// A logger that reports to this collector.
    var logger: Logger { Logger(label: "collector") { _ in self } }

    /// The messages so far.
    var messages: [String] { lines.values.withLock { $0 } }
}
