import Foundation
import NIOCore
import NIOPosix
import TestSupport

/// Runs the real `openssl` command-line tool as a TLS peer.
enum OpenSSLCLI {
    struct Result {
        let status: Int32
        let output: String
    }

    /// Runs `openssl <arguments>` with `input` on stdin; stdout and stderr together. Killed
    /// (SIGTERM) after `timeout` seconds. Spawned with `posix_spawn` and awaited without
    /// holding a thread (see `ChildProcess`).
    static func run(_ arguments: [String], input: String = "", timeout: TimeInterval = 10) async throws -> Result {
        let result = try await ChildProcess.run("/usr/bin/openssl", arguments, input: Array(input.utf8), timeout: timeout)
        return Result(status: result.status, output: result.output)
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
