import Foundation
import NIOCore
import NIOPosix

/// Runs the real `openssl` command-line tool as a TLS peer.
enum OpenSSLCLI {
    struct Result {
        let status: Int32
        let output: String
    }

    /// Runs `openssl <arguments>` with `input` on stdin; stdout and stderr together. Killed
    /// after `timeout` seconds.
    static func run(_ arguments: [String], input: String = "", timeout: TimeInterval = 10) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let stdin = Pipe()
        let output = NSTemporaryDirectory() + "openssl-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardInput = stdin
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        // A watchdog ends a peer that never finishes; normally the process exits first.
        let watchdog = DispatchWorkItem { [process] in
            if process.isRunning { process.terminate() }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        try handle.close()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: text)
    }

    /// A port that was free a moment ago (for tools that cannot bind port 0 and report it).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    /// Waits (up to 5 s, checking every 20 ms of loop time) until something accepts TCP
    /// connections on `port`. The probe connection is closed at once.
    static func waitUntilListening(port: Int) async throws -> Bool {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        for _ in 0..<250 {
            if let channel = try? await ClientBootstrap(group: loop).connect(host: "127.0.0.1", port: port).get() {
                try? await channel.close()
                return true
            }
            try await loop.scheduleTask(in: .milliseconds(20)) {}.futureResult.get()
        }
        return false
    }
}
