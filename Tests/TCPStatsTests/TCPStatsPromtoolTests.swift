import Foundation
import Relay
import RelayTestKit
import TestSupport
import Testing

@testable import TCPStats

/// Runs Prometheus's own linter over the store the stats filter reported to.
@Suite struct TCPStatsPromtoolTests {
    /// Where `promtool` is installed, if it is (Debian package `prometheus`).
    static let promtool: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool", "/bin/promtool"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        .enabled(
            if: promtool != nil,
            "promtool is not installed (Debian package `prometheus`), so the exposition is not linted"
        )
    )
    func promtoolAcceptsTheExposition() async throws {
        // Two connections in different series, one open and one closed: all four families.
        let store = try Env.reportedServerConnection()
        let env = try Env(direction: .outbound, node: Fixtures.clientNode)
        env.info.bytesSent = 120
        env.harness.receiveReset()
        for counter in env.store.snapshot().counters {
            store.counter(counter.name).increment(by: counter.value)
        }
        let text = store.snapshot().renderPrometheus(naming: .conventional)
        #expect(text.contains("# TYPE istio_tcp_connections_closed_total counter\n"))

        let result = try await Self.run(try #require(Self.promtool), arguments: ["check", "metrics"], input: text)
        // promtool exits 1 when the text does not parse, 3 when it parses but has lint
        // findings. Relay's exposition may omit `# HELP` lines (a lint finding, not an error);
        // any other finding fails the test.
        #expect(result.status != 1, "promtool could not parse the exposition: \(result.output)\n\(text)")
        let findings = result.output.split(separator: "\n").filter { !$0.isEmpty }
        let unexpected = findings.filter { !$0.hasSuffix("no help text") }
        #expect(unexpected.isEmpty, "promtool findings: \(unexpected)\n\(text)")
        #expect(result.status == 0 || (result.status == 3 && !findings.isEmpty))
    }

    private static func run(_ path: String, arguments: [String], input: String) async throws -> (status: Int32, output: String) {
        let result = try await ChildProcess.run(path, arguments, input: Array(input.utf8))
        return (result.status, result.output)
    }
}
