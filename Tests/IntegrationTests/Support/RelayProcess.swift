import Foundation
import NIOCore
import NIOPosix
import TestSupport

/// The real `relay` executable, started as a child process for signal and exit-code tests.
///
/// Launched with ``ChildProcess`` (`posix_spawn`) rather than Foundation's `Process`, whose
/// `run()` on Linux (this toolchain) can crash intermittently reading `/proc/self/fd`
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

    let directory: String
    let stderrPath: String
    let stdoutPath: String
    private let child: ChildProcess

    /// The child's process id.
    var pid: pid_t { child.pid }

    /// Starts `relay` with `arguments`; `directory` (removed by ``cleanUp()``) receives its
    /// standard output and error.
    init(arguments: [String], directory: String) throws {
        self.directory = directory
        stderrPath = directory + "/stderr.log"
        stdoutPath = directory + "/stdout.log"
        do {
            child = try ChildProcess(
                Self.executable!, arguments, input: .null, output: .file(stdoutPath), error: .file(stderrPath)
            )
        } catch {
            throw RelayProcessError("\(error)")
        }
    }

    /// Starts `relay -c <config>` serving with `concurrency` event loops and any `extra`
    /// arguments, and waits for its admin address file.
    static func serve(
        yaml: String, concurrency: Int = 1, arguments extra: [String] = []
    ) async throws -> (RelayProcess, adminPort: Int) {
        let directory = NSTemporaryDirectory() + "relay-process-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = directory + "/relay.yaml"
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let addressFile = directory + "/admin.address"
        let relay = try RelayProcess(
            arguments: ["-c", config, "--concurrency", "\(concurrency)", "--admin-address-path", addressFile] + extra,
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
    var isRunning: Bool { child.isRunning }

    /// Everything the process wrote to standard error so far.
    var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    /// Everything the process wrote to standard output so far.
    var stdout: String {
        (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
    }

    func signal(_ number: Int32) {
        child.signal(number)
    }

    /// The exit status (128 + signal if a signal ended it, as a shell reports a killed
    /// process), once the process has exited.
    func exitStatus() async -> Int32 {
        let termination = await child.exit()
        return termination.signaled ? 128 + termination.status : termination.status
    }

    /// Kills the process if it is still running and removes its directory.
    func cleanUp() async {
        signal(SIGKILL)
        _ = await child.exit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct RelayProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
