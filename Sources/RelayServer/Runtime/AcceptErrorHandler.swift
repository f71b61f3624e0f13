import Logging
import NIOCore
import Relay

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Accounts for failed `accept()` calls on one listener socket: a failure for lack of file
/// descriptors (EMFILE, ENFILE) counts `listener.<prefix>.downstream_global_cx_overflow` — the
/// process is at its connection ceiling, Envoy's global connection limit in effect — and every
/// failure is logged, at most once per ``logInterval`` with the number suppressed meanwhile.
///
/// It sits after NIO's `AcceptBackoffHandler` in the listener's server pipeline, which pauses
/// accepting for a moment after such an error instead of spinning on a socket that stays
/// readable; the connection waits in the backlog.
///
/// - Note: Confined to the listener socket's event loop.
final class AcceptErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any

    private var accounting: AcceptErrorAccounting
    private let logger: Logger

    init(stats: ListenerStats, listenerName: String, logger: Logger) {
        self.accounting = AcceptErrorAccounting(stats: stats, listenerName: listenerName)
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let ioError = error as? IOError else {
            context.fireErrorCaught(error)
            return
        }
        if let message = accounting.record(errno: ioError.errnoCode, at: .now()) {
            logger.warning("\(message)")
        }
    }
}

@available(*, unavailable)
extension AcceptErrorHandler: Sendable {}

/// The counting and log rate limiting behind ``AcceptErrorHandler`` (a value, testable without
/// sockets).
struct AcceptErrorAccounting {
    /// The shortest time between two log lines.
    static let logInterval = TimeAmount.seconds(10)

    let stats: ListenerStats
    let listenerName: String
    private var lastLog: NIODeadline?
    private var suppressed = 0

    init(stats: ListenerStats, listenerName: String) {
        self.stats = stats
        self.listenerName = listenerName
    }

    /// Whether `code` means the process or system ran out of file descriptors.
    static func isDescriptorExhaustion(_ code: CInt) -> Bool {
        code == EMFILE || code == ENFILE
    }

    /// Records one failed accept with `errno` `code` at `now`. Returns the line to log, or nil
    /// when a line was logged less than ``logInterval`` ago.
    mutating func record(errno code: CInt, at now: NIODeadline) -> String? {
        let exhausted = Self.isDescriptorExhaustion(code)
        if exhausted { stats.globalConnectionOverflow.increment() }
        if let lastLog, now - lastLog < Self.logInterval {
            suppressed += 1
            return nil
        }
        lastLog = now
        var message = "listener \(listenerName): accept failed: \(String(cString: strerror(code))) (errno \(code))"
        if exhausted { message += "; out of file descriptors, raise the limit (ulimit -n) or shed connections" }
        if suppressed > 0 { message += "; \(suppressed) more since the last report" }
        suppressed = 0
        return message
    }
}
