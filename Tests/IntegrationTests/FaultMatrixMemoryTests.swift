import Foundation
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fault matrix's memory cases (issue 9), against a real `relay` child process so its
/// resident set is measurable (`/proc/<pid>/status`): a slow reader on either side of a large
/// transfer, and 20,000 short connections. Stats are read from the admin `/stats`.
///
/// Serialized: each test measures one process's memory while it carries the test's load, and
/// the load of the others would only slow it down.
@Suite(
    .enabled(if: RelayProcess.executable != nil && bundledHas("envoy.filters.network.tcp_proxy"), "needs the relay executable"),
    .serialized,
    .timeLimit(.minutes(3))
)
struct FaultMatrixMemoryTests {
    static func yaml(backend: Int) -> String {
        TestBootstrap.tcpProxy(
            backends: [backend], top: TestBootstrap.admin, listener: TestBootstrap.listenerStatPrefix, connectTimeout: "5s"
        )
    }

    /// `VmRSS` and `VmHWM` (peak) of process `pid`, in KiB.
    static func memory(of pid: pid_t) -> (rss: Int, peak: Int) {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return -1 }
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? -1
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// CPU time (user + system) process `pid` used so far, in seconds.
    static func cpuSeconds(of pid: pid_t) -> Double {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // Fields after the command name (which ends with ")"): utime and stime are 14 and 15.
        guard let close = text.lastIndex(of: ")") else { return -1 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return -1 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Every counter and gauge of the admin `/stats` text.
    static func stats(admin: Int) async throws -> [String: Int64] {
        let body = try await AdminClient.request(port: admin, "/stats").body
        var values: [String: Int64] = [:]
        for line in body.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let value = Int64(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            values[String(parts[0])] = value
        }
        return values
    }

    /// Waits for the child relay to be at rest, then checks Envoy's balance.
    static func expectSettledAndBalanced(admin: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Int64] {
        var stats: [String: Int64] = [:]
        let settled = try await eventually(timeout: .seconds(30)) { () async -> Bool in
            stats = (try? await Self.stats(admin: admin)) ?? [:]
            return stats["listener.front.downstream_cx_active"] == 0 && stats["cluster.backend.upstream_cx_active"] == 0
        }
        #expect(settled, "still active: \(stats.filter { $0.key.hasSuffix("_active") })", sourceLocation: sourceLocation)
        let value = { (name: String) in stats[name] ?? 0 }
        #expect(
            value("listener.front.downstream_cx_total") == value("listener.front.downstream_cx_destroy") + value("listener.front.downstream_cx_active"),
            sourceLocation: sourceLocation
        )
        let cluster = "cluster.backend."
        #expect(
            value(cluster + "upstream_cx_total") == value(cluster + "upstream_cx_destroy") + value(cluster + "upstream_cx_active"),
            sourceLocation: sourceLocation
        )
        #expect(
            value(cluster + "upstream_cx_destroy") == value(cluster + "upstream_cx_destroy_local") + value(cluster + "upstream_cx_destroy_remote"),
            sourceLocation: sourceLocation
        )
        return stats
    }

    static func startRelay(backend: Int) async throws -> (RelayProcess, admin: Int, front: Int) {
        let (relay, admin) = try await RelayProcess.serve(yaml: Self.yaml(backend: backend))
        let front = try await RelayProcessTests.listenerPort(admin: admin)
        return (relay, admin, front)
    }

    // MARK: - 6. Slow reader

    enum SlowSide: String, CaseIterable, CustomTestStringConvertible {
        /// The client reads slowly; the backend floods.
        case downstream
        /// The backend reads slowly; the client floods.
        case upstream
        var testDescription: String { "\(rawValue) reads slowly" }
    }

    /// The peak resident set of the relay must not grow by more than this over a slow-reader
    /// transfer. Relay's per-connection buffers are 1 MiB watermarks each way; the observed
    /// growth is reported by each run (see the test output).
    static let peakGrowthLimitKiB = 64 << 10

    /// Moves `total` bytes through the relay to a reader that reads only when the writer is
    /// blocked; returns the figures for the report.
    static func slowReader(_ side: SlowSide, total: Int) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let flood = PacedFlood(total: total)
        // The backend: floods (downstream is slow) or reads in paced bursts (upstream is slow).
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.autoRead, value: side == .downstream)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    switch side {
                    case .downstream: try channel.pipeline.syncOperations.addHandler(flood.makeWriter())
                    case .upstream: try channel.pipeline.syncOperations.addHandler(flood.makeReader())
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let (relay, admin, front) = try await Self.startRelay(backend: server.localAddress!.port!)
        let before = Self.memory(of: relay.pid)
        let started = NIODeadline.now()

        let client = try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: side == .upstream)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    switch side {
                    case .downstream: try channel.pipeline.syncOperations.addHandler(flood.makeReader())
                    case .upstream: try channel.pipeline.syncOperations.addHandler(flood.makeWriter())
                    }
                }
            }
            .connect(host: "127.0.0.1", port: front)
            .get()

        // Grant each read burst once the writer is blocked and the relay says it paused
        // reading the writer's side (paused − resumed > 0): every burst then starts with the
        // relay holding its high watermark.
        let (pausedName, resumedName) =
            switch side {
            case .downstream:
                ("cluster.backend.upstream_flow_control_paused_reading_total", "cluster.backend.upstream_flow_control_resumed_reading_total")
            case .upstream:
                ("tcp.front.downstream_flow_control_paused_reading_total", "tcp.front.downstream_flow_control_resumed_reading_total")
            }
        var grantedWhilePaused = 0
        let done = try await eventually(timeout: .seconds(150)) { () async -> Bool in
            if flood.isFinished { return true }
            guard flood.isReaderIdle, !flood.isWriterDone, flood.isWriterBlocked,
                let stats = try? await Self.stats(admin: admin),
                (stats[pausedName] ?? 0) > (stats[resumedName] ?? 0)
            else { return false }
            grantedWhilePaused += 1
            flood.grantBurst()
            return false
        }
        let elapsed = NIODeadline.now() - started
        let after = Self.memory(of: relay.pid)
        let (written, read) = flood.progress
        let (blocked, bursts) = flood.pacing
        let seconds = Double(elapsed.nanoseconds) / 1e9
        print("""
            slow reader (\(side.rawValue)): \(read >> 20) MiB of \(total >> 20) MiB in \(String(format: "%.1f", seconds)) s \
            (\(String(format: "%.0f", Double(read) / seconds / 1_048_576)) MiB/s); writer blocked \(blocked)×, \(bursts) read bursts (\(grantedWhilePaused) granted with the relay paused); \
            relay VmRSS \(before.rss) KiB before, \(after.rss) KiB after; VmHWM \(before.peak) → \(after.peak) KiB \
            (peak growth \(after.peak - before.rss) KiB)
            """)
        #expect(done, "moved \(read) of \(total) bytes (writer handed \(written) to the kernel)")
        #expect(read == total)
        let digests = flood.digests
        #expect(digests.writer != nil && digests.writer == digests.reader)
        #expect(blocked >= 2, "the writer was never held back: the reader was not slow")
        // The last bursts may come after the writer is done (up to ~20 MiB in flight then).
        #expect(grantedWhilePaused >= total / flood.burstSize - 4, "only \(grantedWhilePaused) bursts began with the relay paused")
        #expect(after.peak - before.rss < Self.peakGrowthLimitKiB, "relay peak RSS grew \(after.peak - before.rss) KiB")

        let stats = try await Self.expectSettledAndBalanced(admin: admin)
        switch side {
        case .downstream:
            #expect((stats["cluster.backend.upstream_flow_control_paused_reading_total"] ?? 0) >= 1)
        case .upstream:
            #expect((stats["tcp.front.downstream_flow_control_paused_reading_total"] ?? 0) >= 1)
        }
        try? await client.close()
        await relay.cleanUp()
        try? await server.close()
    }

    /// 256 MiB with a slow reader on each side: always on.
    @Test(arguments: SlowSide.allCases)
    func slowReaderQuarterGibibyteKeepsTheRelayBounded(side: SlowSide) async throws {
        try await Self.slowReader(side, total: 256 << 20)
    }

    /// The same with 1 GiB (set RELAY_LONG_TESTS=1): longer than the other tests in a debug
    /// build on two shared cores.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RELAY_LONG_TESTS"] != nil, "RELAY_LONG_TESTS is not set"), arguments: SlowSide.allCases)
    func slowReaderOneGibibyteKeepsTheRelayBounded(side: SlowSide) async throws {
        try await Self.slowReader(side, total: 1 << 30)
    }

    // MARK: - RSS per connection

    /// 20,000 short connections (connect, send, echo, close) after a warm-up of 2,000: the
    /// relay's resident set may not grow by more than 1 KiB per connection (20 MiB in all). A
    /// per-connection leak of even a small object shows up here long before it would in
    /// production.
    ///
    /// The client and the echo server are blocking sockets on threads (``BlockingSockets``),
    /// so the test's own CPU goes to the relay: in a debug build NIO clients cost more than
    /// the relay they test. The relay runs two event loops (`--concurrency 2`).
    @Test func twentyThousandShortConnectionsKeepTheResidentSetFlat() async throws {
        let backend = try BlockingEchoServer(threads: 32)
        defer { backend.stop() }
        let (relay, admin) = try await RelayProcess.serve(yaml: Self.yaml(backend: backend.port), concurrency: 2)
        let front = try await RelayProcessTests.listenerPort(admin: admin)
        let warmUp = 2_000
        let measured = 20_000
        let started = NIODeadline.now()
        #expect(try await BlockingSockets.pingPong(count: warmUp, threads: 32, port: front) == warmUp)
        _ = try await Self.expectSettledAndBalanced(admin: admin)
        let before = Self.memory(of: relay.pid)
        let cpuBefore = Self.cpuSeconds(of: relay.pid)
        #expect(try await BlockingSockets.pingPong(count: measured, threads: 32, port: front) == measured)
        let stats = try await Self.expectSettledAndBalanced(admin: admin)
        let after = Self.memory(of: relay.pid)
        let elapsed = NIODeadline.now() - started
        let perConnection = Double(after.rss - before.rss) * 1024 / Double(measured)
        print("""
            RSS check: relay VmRSS \(before.rss) KiB after \(warmUp) connections, \(after.rss) KiB after \(measured) more \
            (\(String(format: "%.1f", perConnection)) bytes per connection); VmHWM \(after.peak) KiB; \
            \(String(format: "%.1f", Double(elapsed.nanoseconds) / 1e9)) s, relay CPU \
            \(String(format: "%.1f", Self.cpuSeconds(of: relay.pid) - cpuBefore)) s for the \(measured)
            """)
        #expect(stats["listener.front.downstream_cx_total"] == Int64(warmUp + measured))
        #expect(stats["cluster.backend.upstream_cx_total"] == Int64(warmUp + measured))
        #expect(perConnection < 1024, "relay RSS grew \(after.rss - before.rss) KiB over \(measured) connections")
        await relay.cleanUp()
    }
}
