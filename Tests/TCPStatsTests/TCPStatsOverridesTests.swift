import Relay
import TCPStats
import Testing

@Suite("Custom dimensions, tags_to_remove and drop")
struct TCPStatsOverridesTests {
    func labels(_ metrics: [TCPStatsConfig.MetricConfig], input: TCPStatsLabelInput = Fixtures.serverInput()) throws
        -> TCPStatsLabels
    {
        TCPStatsLabels(input: input, config: try TCPStatsConfig(metrics: metrics))
    }

    @Test("without metrics every TCP metric carries the 23 standard tags")
    func noOverrides() throws {
        let labels = try labels([])
        for metric in TCPStatsMetric.allCases {
            #expect(labels.tags(for: metric) == labels.standard)
        }
    }

    @Test("a standard tag is overridden in place; others are appended in sorted order")
    func overrideAndAppend() throws {
        let labels = try labels([
            try .init(dimensions: [
                "zeta": "'z'",
                "source_workload": "downstream_peer.app",
                "alpha": "xds.cluster_name",
            ])
        ])
        let tags = try #require(labels.tags(for: .sentBytes))
        #expect(tags.count == 25)
        #expect(tags[1] == TCPStatsTag("source_workload", "productpage"))
        #expect(Array(tags[0..<23].map(\.name)) == TCPStatsLabels.standardTagNames)
        #expect(tags[23] == TCPStatsTag("alpha", "inbound|9080||"))
        #expect(tags[24] == TCPStatsTag("zeta", "z"))
        #expect(labels.standard[1] == TCPStatsTag("source_workload", "productpage-v1"))
    }

    @Test("tags_to_remove removes standard tags, per metric or for all")
    func tagsToRemove() throws {
        let labels = try labels([
            try .init(name: "tcp_sent_bytes_total", tagsToRemove: ["source_principal", "destination_principal"]),
            try .init(tagsToRemove: ["response_flags"]),
        ])
        let sent = try #require(labels.tags(for: .sentBytes)).map(\.name)
        #expect(sent.count == 20)
        #expect(!sent.contains("source_principal") && !sent.contains("destination_principal"))
        let opened = try #require(labels.tags(for: .connectionsOpened)).map(\.name)
        #expect(opened.count == 22)
        #expect(opened.contains("source_principal"))
        #expect(!opened.contains("response_flags"))
    }

    @Test("a later dimension restores a removed tag; the later entry wins")
    func laterEntryWins() throws {
        let labels = try labels([
            try .init(tagsToRemove: ["source_app"], drop: false),
            try .init(name: "tcp_connections_closed_total", dimensions: ["source_app": "'restored'", "extra": "'1'"]),
            try .init(name: "tcp_connections_closed_total", dimensions: ["extra": "'2'"]),
        ])
        let closed = try #require(labels.tags(for: .connectionsClosed))
        #expect(closed[6] == TCPStatsTag("source_app", "restored"))
        #expect(closed.last == TCPStatsTag("extra", "2"))
        #expect(closed.filter { $0.name == "extra" }.count == 1)
        #expect(try #require(labels.tags(for: .connectionsOpened)).contains { $0.name == "source_app" } == false)
    }

    @Test("drop removes one metric, or all with an empty name")
    func drop() throws {
        let one = try labels([try .init(name: "tcp_received_bytes_total", drop: true)])
        #expect(one.tags(for: .receivedBytes) == nil)
        #expect(one.tags(for: .sentBytes) != nil)
        let samples = one.samples(for: [.opened, .sentBytes(5), .receivedBytes(7), .closed])
        #expect(samples.map(\.metric) == [.connectionsOpened, .sentBytes, .connectionsClosed])

        let all = try labels([try .init(drop: true)])
        #expect(TCPStatsMetric.allCases.allSatisfy { all.tags(for: $0) == nil })
    }

    @Test("HTTP-only standard tags are accepted but TCP metrics do not carry them")
    func httpOnlyTags() throws {
        let labels = try labels([try .init(dimensions: ["response_code": "'200'"], tagsToRemove: ["grpc_response_status"])])
        #expect(labels.tags(for: .sentBytes) == labels.standard)
    }
}
