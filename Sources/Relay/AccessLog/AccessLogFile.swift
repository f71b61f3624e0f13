import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One access-log destination (a file, standard output or standard error), shared by every
/// ``AccessLogger`` that writes to it, with a buffer and a flush thread of its own: Envoy's
/// `AccessLogFileImpl`.
///
/// An event loop only appends the rendered line to the buffer, under a short lock. The
/// `write(2)` calls, and reopening and closing the file, happen on the file's own serial
/// dispatch queue: when the buffer reaches ``minimumFlushSize`` (64 KiB, Envoy's
/// `MIN_FLUSH_SIZE`), or at the latest the flush interval (Envoy's `--file-flush-interval-msec`,
/// ``AccessLogger/fileFlushInterval``) after the first line that found the buffer empty.
/// Lines are whole in every write, so loggers sharing a file never interleave.
final class AccessLogFile: Sendable {
    /// A buffer this large is written at once, without waiting for the interval.
    static let minimumFlushSize = 64 * 1024

    /// The path this file was opened at and is reopened at; nil for standard output/error.
    let path: String?
    private let ownsDescriptor: Bool
    /// The descriptor; read and replaced only on ``queue`` (and in `deinit`).
    private let descriptor: Mutex<Int32>
    /// The flush thread: every write, reopen and close of this file happens here.
    private let queue: DispatchQueue
    /// The flush interval, or nil to follow ``AccessLogger/fileFlushInterval``.
    private let flushInterval: Duration?
    private let pending = Mutex(Pending())
    /// Called on ``queue`` after each flush the interval timer made (tests await it).
    private let onTimedFlush: (@Sendable () -> Void)?

    private struct Pending {
        var bytes: [UInt8] = []
        /// A flush for the interval is scheduled.
        var timerArmed = false
        /// A flush for the size is queued.
        var flushQueued = false
    }

    /// Wraps an open descriptor.
    init(
        descriptor: Int32,
        path: String?,
        ownsDescriptor: Bool,
        flushInterval: Duration? = nil,
        onTimedFlush: (@Sendable () -> Void)? = nil
    ) {
        self.onTimedFlush = onTimedFlush
        self.descriptor = Mutex(descriptor)
        self.path = path
        self.ownsDescriptor = ownsDescriptor
        self.flushInterval = flushInterval
        self.queue = DispatchQueue(label: "relay.access-log.\(path ?? "fd\(descriptor)")")
    }

    /// Opens `path` for appending (creating it).
    convenience init(
        path: String,
        flushInterval: Duration? = nil,
        onTimedFlush: (@Sendable () -> Void)? = nil
    ) throws(AccessLogFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AccessLogFileError(path: path, operation: "open", errno: errno) }
        self.init(descriptor: fd, path: path, ownsDescriptor: true, flushInterval: flushInterval, onTimedFlush: onTimedFlush)
    }

    deinit {
        // No other reference exists, so nothing else can touch the descriptor or the buffer.
        let bytes = pending.withLock { $0.bytes }
        let fd = descriptor.withLock { $0 }
        Self.writeAll(bytes, to: fd)
        if ownsDescriptor { close(fd) }
    }

    /// Appends `line` (which ends with a newline) to the buffer; called on an event loop.
    func append(_ line: String) {
        enum Action { case none, flushNow, armTimer }
        let action = pending.withLock { pending -> Action in
            let wasEmpty = pending.bytes.isEmpty
            pending.bytes.append(contentsOf: line.utf8)
            if pending.bytes.count >= Self.minimumFlushSize {
                guard !pending.flushQueued else { return .none }
                pending.flushQueued = true
                return .flushNow
            }
            if wasEmpty && !pending.timerArmed {
                pending.timerArmed = true
                return .armTimer
            }
            return .none
        }
        switch action {
        case .none:
            break
        case .flushNow:
            queue.async { [weak self] in self?.writePending() }
        case .armTimer:
            let interval = flushInterval ?? AccessLogger.fileFlushInterval
            queue.asyncAfter(deadline: .now() + .nanoseconds(Self.nanoseconds(interval))) { [weak self] in
                guard let self else { return }
                self.pending.withLock { $0.timerArmed = false }
                self.writePending()
                self.onTimedFlush?()
            }
        }
    }

    /// Writes what is buffered now and returns when it is written. Not on ``queue``.
    func flush() {
        queue.sync { writePending() }
    }

    /// Returns when the writes queued so far (a full buffer's) are done, without writing what
    /// is buffered (tests).
    func waitForQueuedWrites() {
        queue.sync {}
    }

    /// Writes what is buffered to the current file, then reopens the path (after logrotate
    /// renamed it, later lines go to a new file there). Standard output/error: a flush.
    ///
    /// - Throws: ``AccessLogFileError`` when the path cannot be opened; the old descriptor
    ///   stays in use.
    func reopen() throws(AccessLogFileError) {
        let result: Result<Void, AccessLogFileError> = queue.sync {
            writePending()
            guard let path else { return .success(()) }
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return .failure(AccessLogFileError(path: path, operation: "reopen", errno: errno)) }
            let old = descriptor.withLock { descriptor in
                defer { descriptor = fd }
                return descriptor
            }
            if ownsDescriptor { close(old) }
            return .success(())
        }
        try result.get()
    }

    /// On ``queue``: takes the buffer and writes it.
    private func writePending() {
        let bytes = pending.withLock { pending -> [UInt8] in
            pending.flushQueued = false
            var taken: [UInt8] = []
            swap(&taken, &pending.bytes)
            return taken
        }
        guard !bytes.isEmpty else { return }
        Self.writeAll(bytes, to: descriptor.withLock { $0 })
    }

    /// Writes all of `bytes`, retrying short writes and `EINTR`; gives up on another error
    /// (a full disk: Envoy counts `filesystem.write_failed` and drops the data too).
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = Int(clamping: max(0, seconds)).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int.max / 2 : whole + Int(attoseconds / 1_000_000_000)
    }

    // MARK: - The process's files (Envoy's AccessLogManager)

    /// Every open file by path, so loggers of one path share one buffer, and a reopen or a
    /// flush reaches them all.
    private static let files = Mutex<[String: WeakAccessLogFile]>([:])

    /// Standard output, shared by every stdout logger.
    static let standardOutput = AccessLogFile(descriptor: 1, path: nil, ownsDescriptor: false)
    /// Standard error, shared by every stderr logger.
    static let standardError = AccessLogFile(descriptor: 2, path: nil, ownsDescriptor: false)

    /// The open file for `path`, opening it if no logger has it open.
    static func shared(path: String) throws(AccessLogFileError) -> AccessLogFile {
        try files.withLock { (files: inout [String: WeakAccessLogFile]) throws(AccessLogFileError) -> AccessLogFile in
            if let file = files[path]?.file { return file }
            let file = try AccessLogFile(path: path)
            files[path] = WeakAccessLogFile(file: file)
            return file
        }
    }

    /// The open files, and standard output and error.
    static var all: [AccessLogFile] {
        let opened = files.withLock { files in
            files = files.filter { $0.value.file != nil }
            return files.values.compactMap(\.file)
        }
        return opened + [standardOutput, standardError]
    }
}

/// A weak reference in ``AccessLogFile``'s registry.
private struct WeakAccessLogFile: Sendable {
    weak var file: AccessLogFile?
}

/// An access-log file could not be opened or reopened.
struct AccessLogFileError: Error, CustomStringConvertible {
    let path: String
    let operation: String
    let errno: Int32

    var description: String {
        "cannot \(operation) access log '\(path)': \(String(cString: strerror(errno)))"
    }
}
