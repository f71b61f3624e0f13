import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing

/// The posix_spawn runner the test helpers start `openssl`, `promtool`, `ss` and `relay` with.
@Suite struct ChildProcessTests {
    @Test func capturesOutputAndErrorAndFeedsInput() async throws {
        let result = try await ChildProcess.run("/bin/sh", ["-c", "cat; echo err >&2; exit 3"], input: Array("in\n".utf8))
        #expect(result.status == 3)
        #expect(result.output == "in\nerr\n")
    }

    @Test func terminateAndTheTimeoutEndAChild() async throws {
        let child = try ChildProcess("/bin/cat", [], input: .pipe)
        #expect(child.isRunning)
        child.terminate()
        let termination = await child.exit()
        #expect(termination == ChildProcess.Termination(status: SIGTERM, signaled: true))
        #expect(!child.isRunning)
        let timedOut = try await ChildProcess.run("/bin/sleep", ["60"], timeout: 0.05)
        #expect(timedOut.status == SIGTERM)
    }

    @Test func runsInTheGivenDirectory() async throws {
        let result = try await ChildProcess.run("/bin/pwd", [], directory: "/tmp")
        #expect(result.output == "/tmp\n")
    }

    /// A child must not inherit the test's sockets: NIO opens them without close-on-exec,
    /// and a copy held by a long-running child keeps a closed listener's port bound.
    @Test func aChildDoesNotInheritTheTestsSockets() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let listener = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = listener.localAddress!.port!
        let child = try ChildProcess("/bin/cat", [], input: .pipe)
        try await listener.close()
        let again = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: port).get()
        try await again.close()
        child.closeInput()
        #expect(await child.exit() == ChildProcess.Termination(status: 0, signaled: false))
    }
}
