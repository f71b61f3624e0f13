import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The real `relay` executable, started as a child process for signal and exit-code tests.
///
/// Launched with `posix_spawn` rather than Foundation's `Process`, whose `run()` on Linux
/// (this toolchain) can crash intermittently reading `/proc/self/fd`
/// (swift-corelibs-foundation #5472): these tests start many processes.
final class RelayProcess: Sendable {
    /// The built `relay` next to the test bundle (`swift build --build-tests` builds both).
    static let executable: String? = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundle.appendingPathComponent("relay").path,
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("relay").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let pid: pid_t
    let directory: String
    let stderrPath: String
    let stdoutPath: String
    private let status = ExitStatusBox()
    private let exited: Task<Int32, Never>

    /// Starts `relay` with `arguments`; `directory` (removed by ``cleanUp()``) receives its
    /// standard output and error.
    init(arguments: [String], directory: String) throws {
        self.directory = directory
        stderrPath = directory + "/stderr.log"
        stdoutPath = directory + "/stdout.log"
        pid = try Self.spawn(Self.executable!, arguments: arguments, stdout: stdoutPath, stderr: stderrPath)
        let pid = self.pid
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        // waitpid blocks: a thread of its own, off the cooperative pool.
        Thread.detachNewThread {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            // Exit status, or 128 + signal as a shell reports a killed process.
            let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            continuation.yield(code)
            continuation.finish()
        }
        let status = self.status
        exited = Task {
            var code: Int32 = -1
            for await value in stream { code = value }
            status.set(code)
            return code
        }
    }

    private static func spawn(_ path: String, arguments: [String], stdout: String, stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // The child starts with no blocked signals and default dispositions, whatever the
        // spawning thread had (dispatch threads block signals).
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
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else { throw RelayProcessError("posix_spawn \(path): \(String(cString: strerror(result)))") }
        return pid
    }

    /// Starts `relay -c <config>` serving, and waits for its admin address file.
    static func serve(yaml: String) async throws -> (RelayProcess, adminPort: Int) {
        let directory = NSTemporaryDirectory() + "relay-process-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = directory + "/relay.yaml"
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let addressFile = directory + "/admin.address"
        let relay = try RelayProcess(
            arguments: ["-c", config, "--concurrency", "1", "--admin-address-path", addressFile],
            directory: directory
        )
        let started = try await eventually(timeout: .seconds(20)) {
            FileManager.default.fileExists(atPath: addressFile) || !relay.isRunning
        }
        guard started, relay.isRunning else {
            relay.signal(SIGKILL)
            throw RelayProcessError("relay did not write its admin address: \(relay.stderr)")
        }
        let text = try String(contentsOfFile: addressFile, encoding: .utf8)
        guard let port = Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            throw RelayProcessError("bad admin address '\(text)'")
        }
        return (relay, port)
    }

    /// Whether the process has not exited (as far as its waiter has seen).
    var isRunning: Bool { status.get() == nil }

    /// Everything the process wrote to standard error so far.
    var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    /// Everything the process wrote to standard output so far.
    var stdout: String {
        (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
    }

    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// The exit status (128 + signal if a signal ended it), once the process has exited.
    func exitStatus() async -> Int32 {
        await exited.value
    }

    /// Kills the process if it is still running and removes its directory.
    func cleanUp() async {
        signal(SIGKILL)
        _ = await exited.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct RelayProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The child's exit status once known, shared with its waiter.
private final class ExitStatusBox: Sendable {
    private let value = Mutex<Int32?>(nil)
    func get() -> Int32? { value.withLock { $0 } }
    func set(_ code: Int32) { value.withLock { $0 = code } }
}
