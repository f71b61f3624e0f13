import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests, started with `posix_spawn` instead of Foundation's `Process`.
///
/// Foundation's `Process.run()` on Linux (this toolchain) reads past a buffer in
/// `findMaximumOpenFromProcSelfFD` (swift-corelibs-foundation #5472): AddressSanitizer reports
/// it and a normal run has crashed on it. The exit is awaited by `waitid` on a thread of the
/// child's own, never on a cooperative-pool thread: ``exit()`` suspends until that thread
/// reports.
///
/// The child starts with no blocked signals and default dispositions for the usual signals,
/// whatever the spawning thread had. The test process ignores `SIGPIPE` once a child was
/// started, so writing to a child that has gone is an `EPIPE`, not a crash.
public final class ChildProcess: Sendable {
    /// Where the child's standard input comes from.
    public enum Input: Sendable {
        /// The test process's own standard input.
        case inherit
        /// `/dev/null`.
        case null
        /// These bytes, written by a helper thread, then end of file.
        case bytes([UInt8])
        /// A pipe the test writes with ``write(_:)`` and ends with ``closeInput()``.
        case pipe
    }

    /// Where the child's standard output or error goes.
    public enum Output: Sendable {
        /// The test process's own standard output or error.
        case inherit
        /// `/dev/null`.
        case null
        /// This file, created or truncated.
        case file(String)
        /// The same place as standard output (for standard error only).
        case standardOutput
    }

    /// How the child ended.
    public struct Termination: Sendable, Equatable, CustomStringConvertible {
        /// The exit code, or the number of the signal that ended the child (as Foundation's
        /// `terminationStatus`).
        public let status: Int32
        /// Whether a signal ended the child.
        public let signaled: Bool

        public init(status: Int32, signaled: Bool) {
            self.status = status
            self.signaled = signaled
        }

        public var description: String { signaled ? "signal \(status)" : "exit \(status)" }
    }

    /// The child's process id.
    public let pid: pid_t
    private let state = Mutex(State())
    private let input: InputPipe?

    private struct State {
        var termination: Termination?
        var waiters: [@Sendable (Termination) -> Void] = []
    }

    private static let ignoreSIGPIPE: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()

    /// Held while a pipe is made close-on-exec and a child spawned, so no child started by
    /// another thread inherits the write end of this child's input (which would keep it open).
    private static let spawnLock = Mutex(())

    /// Starts `executable` (a path) with `arguments` in `directory` (the current one if nil).
    public init(
        _ executable: String,
        _ arguments: [String],
        directory: String? = nil,
        input: Input = .null,
        output: Output = .null,
        error: Output = .null
    ) throws {
        Self.ignoreSIGPIPE
        (pid, self.input) = try Self.spawnLock.withLock { _ in
            try Self.spawn(executable, arguments, directory: directory, input: input, output: output, error: error)
        }
        if case .bytes(let bytes) = input, let pipe = self.input {
            // A thread of its own: the child may read its input slowly, or not at all.
            Thread.detachNewThread {
                pipe.write(bytes)
                pipe.close()
            }
        }
        Thread.detachNewThread { [self] in awaitExit() }
    }

    private static func spawn(
        _ executable: String,
        _ arguments: [String],
        directory: String?,
        input: Input,
        output: Output,
        error: Output
    ) throws -> (pid_t, InputPipe?) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        var inputPipe: (read: Int32, write: Int32)?
        switch input {
        case .inherit:
            break
        case .null:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .bytes, .pipe:
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw ChildProcessError("pipe: \(String(cString: strerror(errno)))") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            inputPipe = (fds[0], fds[1])
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        }
        func redirect(_ target: Output, to fd: Int32) {
            switch target {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, fd)
            }
        }
        redirect(output, to: 1)
        redirect(error, to: 2)
        // The child keeps only 0, 1 and 2, as with Foundation's Process: NIO opens its sockets
        // without close-on-exec, and a child holding a copy of a listener keeps its port bound.
        // glibc's posix_spawn_file_actions_addclosefrom_np (2.34+) and
        // posix_spawn_file_actions_addchdir_np (2.29+) are not imported by the Glibc module.
        typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        func unavailable(_ name: String) -> ChildProcessError {
            if let inputPipe { close(inputPipe.read); close(inputPipe.write) }
            return ChildProcessError("\(name) is not available in this C library")
        }
        guard let closefrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            throw unavailable("posix_spawn_file_actions_addclosefrom_np")
        }
        _ = unsafeBitCast(closefrom, to: AddClosefrom.self)(&actions, 3)
        if let directory {
            guard let chdir = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else {
                throw unavailable("posix_spawn_file_actions_addchdir_np")
            }
            _ = unsafeBitCast(chdir, to: AddChdir.self)(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        if let inputPipe { close(inputPipe.read) }
        guard result == 0 else {
            if let inputPipe { close(inputPipe.write) }
            throw ChildProcessError("posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        return (pid, inputPipe.map { InputPipe(descriptor: $0.write) })
    }

    /// Runs on the waiter thread: waits for the exit without reaping, then reaps and records
    /// it under the lock, so ``signal(_:)`` never reaches a recycled process id.
    private func awaitExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        let (termination, waiters) = state.withLock { state in
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            let signaled = (raw & 0x7f) != 0
            let termination = Termination(status: signaled ? raw & 0x7f : (raw >> 8) & 0xff, signaled: signaled)
            state.termination = termination
            defer { state.waiters = [] }
            return (termination, state.waiters)
        }
        for waiter in waiters { waiter(termination) }
    }

    /// Whether the child has not exited yet (as far as its waiter thread has seen).
    public var isRunning: Bool { state.withLock { $0.termination == nil } }

    /// Sends `number` to the child if it is still running.
    public func signal(_ number: Int32) {
        state.withLock { state in
            if state.termination == nil { kill(pid, number) }
        }
    }

    /// Sends `SIGTERM` if the child is still running (as Foundation's `terminate()`).
    public func terminate() { signal(SIGTERM) }

    /// Writes `bytes` to the child's standard input (``Input/pipe``); ignored once the input is
    /// closed or the child has gone.
    public func write(_ bytes: [UInt8]) { input?.write(bytes) }

    /// Closes the child's standard input (end of file for the child).
    public func closeInput() { input?.close() }

    private func onExit(_ waiter: @escaping @Sendable (Termination) -> Void) {
        let done: Termination? = state.withLock { state in
            if let termination = state.termination { return termination }
            state.waiters.append(waiter)
            return nil
        }
        if let done { waiter(done) }
    }

    /// Suspends until the child has exited, without holding a thread.
    public func exit() async -> Termination {
        await withCheckedContinuation { continuation in
            onExit { continuation.resume(returning: $0) }
        }
    }

    /// Blocks the calling thread until the child has exited: only for synchronous contexts
    /// that cannot await (a `static let` initializer).
    public func waitBlocking() -> Termination {
        let semaphore = DispatchSemaphore(value: 0)
        let result = Mutex<Termination?>(nil)
        onExit { termination in
            result.withLock { $0 = termination }
            semaphore.signal()
        }
        semaphore.wait()
        return result.withLock { $0! }
    }

    /// What ``run(_:_:input:directory:timeout:)`` reports.
    public struct Result: Sendable {
        /// The exit code, or the number of the signal that ended the child.
        public let status: Int32
        /// Standard output and error, interleaved.
        public let output: String
    }

    /// Runs `executable` with `input` on standard input until it exits, capturing standard
    /// output and error together; `SIGTERM` after `timeout` (if given) ends a child that
    /// never finishes.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8] = [],
        directory: String? = nil,
        timeout: TimeInterval? = nil
    ) async throws -> Result {
        let outputPath = NSTemporaryDirectory() + "relay-child-" + UUID().uuidString + ".txt"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let child = try ChildProcess(
            executable, arguments, directory: directory, input: .bytes(input), output: .file(outputPath), error: .standardOutput
        )
        // A watchdog ends a child that never finishes; normally the child exits first.
        let watchdog = DispatchWorkItem { child.terminate() }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog) }
        let termination = await child.exit()
        watchdog.cancel()
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(status: termination.status, output: output)
    }

    /// `/usr/bin/env`, to run a tool found on `PATH` (as `["openssl", ...]`).
    public static let env = "/usr/bin/env"
}

/// The write end of a child's standard-input pipe, closed at most once.
private final class InputPipe: Sendable {
    private let descriptor: Mutex<Int32>

    init(descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    func write(_ bytes: [UInt8]) {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return  // EPIPE: the child has gone.
                    }
                    offset += written
                }
            }
        }
    }

    func close() {
        descriptor.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    deinit { close() }
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
