import Relay
import TCPStats
import Testing

@Suite("Metric names")
struct TCPStatsMetricTests {
    @Test("Prometheus, config and stat names")
    func names() {
        #expect(TCPStatsMetric.allCases.map(\.prometheusName) == [
            "istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total",
            "istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total",
        ])
        #expect(TCPStatsMetric.allCases.map(\.configName) == [
            "tcp_connections_opened_total", "tcp_connections_closed_total",
            "tcp_sent_bytes_total", "tcp_received_bytes_total",
        ])
        #expect(TCPStatsMetric.statNamespace == "istiocustom")
        #expect(TCPStatsMetric.sentBytes.statName == "istiocustom.istio_tcp_sent_bytes_total")
        #expect(TCPStatsMetric(configName: "tcp_received_bytes_total") == .receivedBytes)
        #expect(TCPStatsMetric(configName: "requests_total") == nil)
    }

    @Test("flat /stats name joins tags in order")
    func flatName() {
        let tags = [TCPStatsTag("reporter", "source"), TCPStatsTag("source_app", ""), TCPStatsTag("destination_service", "a.b")]
        #expect(
            TCPStatsMetric.connectionsClosed.flatStatName(tags: tags)
                == "istiocustom.istio_tcp_connections_closed_total.reporter.source.source_app.destination_service.a.b"
        )
        let labels = TCPStatsLabels.standardTags(for: Fixtures.clientInput())
        #expect(
            TCPStatsMetric.connectionsClosed.flatStatName(tags: labels)
                .hasPrefix("istiocustom.istio_tcp_connections_closed_total.reporter.source.source_workload.productpage-v1.")
        )
    }
}
