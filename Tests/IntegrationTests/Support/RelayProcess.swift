import Foundation
import NIOCore
import NIOPosix

/// The real `relay` executable, started as a child process for signal and exit-code tests.
final class RelayProcess: @unchecked Sendable {
    /// The built `relay` next to the test bundle (`swift build --build-tests` builds both).
    static let executable: String? = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundle.appendingPathComponent("relay").path,
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("relay").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let process = Process()
    let directory: String
    let stderrPath: String
    private let exited: Task<Int32, Never>

    /// Starts `relay` with `arguments`; `directory` (removed by ``cleanUp()``) holds its
    /// standard error.
    init(arguments: [String], directory: String) throws {
        self.directory = directory
        stderrPath = directory + "/stderr.log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.executable!)
        process.arguments = arguments
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
        exited = Task {
            var status: Int32 = -1
            for await value in stream { status = value }
            return status
        }
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
            FileManager.default.fileExists(atPath: addressFile) || !relay.process.isRunning
        }
        guard started, relay.process.isRunning else {
            relay.process.terminate()
            throw RelayProcessError("relay did not write its admin address: \(relay.stderr)")
        }
        let text = try String(contentsOfFile: addressFile, encoding: .utf8)
        guard let port = Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            throw RelayProcessError("bad admin address '\(text)'")
        }
        return (relay, port)
    }

    /// Everything the process wrote to standard error so far.
    var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// The exit status, once the process has exited.
    func exitStatus() async -> Int32 {
        await exited.value
    }

    /// Kills the process if it is still running and removes its directory.
    func cleanUp() async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = await exited.value
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct RelayProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
