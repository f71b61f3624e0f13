import IstioPeer
import Relay
import TCPStats
import Testing

@Suite("Per-connection reporting schedule")
struct TCPConnectionReporterTests {
    typealias Totals = TCPConnectionReporter.ByteTotals

    /// Counts label computations.
    final class LabelSource {
        var calls = 0
        var input = Fixtures.serverInput()
        let config: TCPStatsConfig

        init(config: TCPStatsConfig) { self.config = config }

        func make() -> TCPStatsLabels {
            calls += 1
            return TCPStatsLabels(input: input, config: config)
        }
    }

    func source(_ metrics: [TCPStatsConfig.MetricConfig] = []) throws -> LabelSource {
        LabelSource(config: try TCPStatsConfig(metrics: metrics))
    }

    @Test("nothing before the peer resolves; opened and bytes at the first resolved tick; deltas after")
    func schedule() throws {
        let labels = try source()
        var reporter = TCPConnectionReporter()

        #expect(reporter.tick(totals: Totals(sent: 10, received: 5), peerResolved: false, labels: labels.make) == nil)
        #expect(reporter.tick(totals: Totals(sent: 20, received: 6), peerResolved: false, labels: labels.make) == nil)
        #expect(labels.calls == 0)

        let firstReport = reporter.tick(totals: Totals(sent: 30, received: 8), peerResolved: true, labels: labels.make)
        let first = try #require(firstReport)
        #expect(first.events == [.opened, .sentBytes(30), .receivedBytes(8)])
        #expect(labels.calls == 1)

        // Resolution latches: a later tick reporting `false` still reports deltas.
        let secondReport = reporter.tick(totals: Totals(sent: 42, received: 8), peerResolved: false, labels: labels.make)
        let second = try #require(secondReport)
        #expect(second.events == [.sentBytes(12), .receivedBytes(0)])

        let closedReport = reporter.close(totals: Totals(sent: 50, received: 9), labels: labels.make)
        let closed = try #require(closedReport)
        #expect(closed.events == [.sentBytes(8), .receivedBytes(1), .closed])
        #expect(labels.calls == 1)

        #expect(reporter.close(totals: Totals(sent: 60, received: 9), labels: labels.make) == nil)
        #expect(reporter.tick(totals: Totals(sent: 60, received: 9), peerResolved: true, labels: labels.make) == nil)
        #expect(reporter.isClosed)
    }

    @Test("close before resolution reports opened, all bytes and closed, with whatever labels exist")
    func closeBeforeResolution() throws {
        let labels = try source()
        labels.input.downstreamPeer = nil
        var reporter = TCPConnectionReporter()
        #expect(reporter.tick(totals: Totals(sent: 3, received: 4), peerResolved: false, labels: labels.make) == nil)
        let reportReport = reporter.close(totals: Totals(sent: 12, received: 6), labels: labels.make)
        let report = try #require(reportReport)
        #expect(report.events == [.opened, .sentBytes(12), .receivedBytes(6), .closed])
        #expect(report.labels[standardTag: "source_workload"] == "unknown")
        #expect(report.labels[standardTag: "source_workload_namespace"] == "default")  // from the SAN
        #expect(labels.calls == 1)
    }

    @Test("tcp_reporting_duration 0s: no ticks, so everything is reported at close")
    func zeroDuration() throws {
        let config = try TCPStatsConfig(tcpReportingDuration: .zero)
        #expect(config.periodicReportingInterval == nil)
        let labels = LabelSource(config: config)
        var reporter = TCPConnectionReporter()
        let reportReport = reporter.close(totals: Totals(sent: 120, received: 60), labels: labels.make)
        let report = try #require(reportReport)
        #expect(report.events == [.opened, .sentBytes(120), .receivedBytes(60), .closed])
        #expect(report.samples.map(\.amount) == [1, 120, 60, 1])
    }

    @Test("labels are frozen at the first report even if the inputs change later")
    func frozenLabels() throws {
        let labels = try source()
        var reporter = TCPConnectionReporter()
        let firstReport = reporter.tick(totals: Totals(sent: 1, received: 1), peerResolved: true, labels: labels.make)
        let first = try #require(firstReport)
        labels.input.responseFlags = "UR"
        labels.input.downstreamPeer = .notFound(.closedEarly)
        let lastReport = reporter.close(totals: Totals(sent: 2, received: 2), labels: labels.make)
        let last = try #require(lastReport)
        #expect(last.labels == first.labels)
        #expect(last.labels[standardTag: "response_flags"] == "-")
        #expect(last.labels[standardTag: "source_workload"] == "productpage-v1")
        #expect(reporter.labels == first.labels)
        #expect(labels.calls == 1)
    }

    @Test("byte totals that go backwards report zero")
    func nonMonotonicTotals() throws {
        let labels = try source()
        var reporter = TCPConnectionReporter()
        _ = reporter.tick(totals: Totals(sent: 10, received: 10), peerResolved: true, labels: labels.make)
        let reportReport = reporter.tick(totals: Totals(sent: 5, received: 12), peerResolved: true, labels: labels.make)
        let report = try #require(reportReport)
        #expect(report.events == [.sentBytes(0), .receivedBytes(2)])
        let nextReport = reporter.tick(totals: Totals(sent: 11, received: 12), peerResolved: true, labels: labels.make)
        let next = try #require(nextReport)
        #expect(next.events == [.sentBytes(1), .receivedBytes(0)])
    }

    @Test("samples apply drops and tag overrides; e2e totals for 10 connections")
    func samplesAndTotals() throws {
        let labels = try source([
            try .init(name: "tcp_connections_opened_total", drop: true),
            try .init(name: "tcp_sent_bytes_total", dimensions: ["peer": "downstream_peer.workload"]),
        ])
        var totals: [TCPStatsMetric: UInt64] = [:]
        var names: Set<String> = []
        for _ in 0..<10 {
            var reporter = TCPConnectionReporter()
            var samples: [TCPStatsSample] = []
            samples += reporter.tick(totals: Totals(sent: 0, received: 0), peerResolved: true, labels: labels.make)?.samples ?? []
            samples += reporter.close(totals: Totals(sent: 12, received: 6), labels: labels.make)?.samples ?? []
            for sample in samples {
                totals[sample.metric, default: 0] += sample.amount
                names.insert(sample.flatStatName)
                if sample.metric == .sentBytes { #expect(sample.tags.last == TCPStatsTag("peer", "productpage-v1")) }
            }
        }
        #expect(totals[.connectionsOpened] == nil)
        #expect(totals[.connectionsClosed] == 10)
        #expect(totals[.sentBytes] == 120)
        #expect(totals[.receivedBytes] == 60)
        #expect(names.count == 3)  // one series per metric
    }
}
