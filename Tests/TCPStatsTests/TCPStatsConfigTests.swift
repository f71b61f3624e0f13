import Foundation
import Testing

@testable import TCPStats

@Suite("stats.PluginConfig decoding")
struct TCPStatsConfigTests {
    func decode(_ json: String) throws -> TCPStatsConfig {
        try JSONDecoder().decode(TCPStatsConfig.self, from: Data(json.utf8))
    }

    /// The `TCPStatsConfigError` inside a decoding failure.
    func configError(_ json: String) -> TCPStatsConfigError? {
        do {
            _ = try decode(json)
            return nil
        } catch let DecodingError.dataCorrupted(context) {
            return context.underlyingError as? TCPStatsConfigError
        } catch {
            return nil
        }
    }

    @Test("defaults: 15s, UNSPECIFIED, no metrics")
    func defaults() throws {
        let config = try decode("{}")
        #expect(config.tcpReportingDuration == .seconds(15))
        #expect(config.periodicReportingInterval == .seconds(15))
        #expect(config.reporter == .unspecified)
        #expect(config.disableHostHeaderFallback == false)
        #expect(config.metrics.isEmpty)
    }

    @Test("the fields istiod sets, in snake_case and lowerCamelCase")
    func fields() throws {
        let config = try decode(
            #"{"@type": "type.googleapis.com/stats.PluginConfig", "disable_host_header_fallback": true, "tcp_reporting_duration": "5s", "reporter": "SERVER_GATEWAY"}"#
        )
        #expect(config.disableHostHeaderFallback)
        #expect(config.tcpReportingDuration == .seconds(5))
        #expect(config.reporter == .serverGateway)
        let camel = try decode(#"{"disableHostHeaderFallback": true, "tcpReportingDuration": "0.5s", "reporter": 1}"#)
        #expect(camel.disableHostHeaderFallback)
        #expect(camel.tcpReportingDuration == .milliseconds(500))
        #expect(camel.reporter == .serverGateway)
    }

    @Test("durations", arguments: [
        ("15s", Duration.seconds(15)), ("0s", .zero), ("0.5s", .milliseconds(500)),
        ("1.000000001s", .seconds(1) + .nanoseconds(1)), ("3600s", .seconds(3600)), ("0.25s", .milliseconds(250)),
    ])
    func durations(text: String, expected: Duration) throws {
        let config = try decode(#"{"tcp_reporting_duration": "\#(text)"}"#)
        #expect(config.tcpReportingDuration == expected)
        #expect(config.periodicReportingInterval == (expected == .zero ? nil : expected))
    }

    @Test("bad durations are errors naming the field and value", arguments: [
        "15", "1m", "500ms", "s", ".5s", "1.s", "1.0000000001s", "-1s", "abc", "1.2.3s", "999999999999999s",
    ])
    func badDurations(text: String) {
        guard case .invalidDuration(let field, let value, let reason) = configError(#"{"tcp_reporting_duration": "\#(text)"}"#)
        else {
            Issue.record("expected invalidDuration for \(text)")
            return
        }
        #expect(field == "tcp_reporting_duration")
        #expect(value == text)
        #expect(!reason.isEmpty)
    }

    @Test("reserved and unknown fields are rejected", arguments: ["stat_prefix", "debug", "field_separator", "bogus"])
    func unknownFields(name: String) {
        #expect(configError(#"{"\#(name)": "x"}"#) == .unknownField(name))
    }

    @Test("an invalid reporter is an error")
    func badReporter() {
        #expect(configError(#"{"reporter": "CLIENT"}"#) == .invalidReporter("CLIENT"))
        #expect(configError(#"{"reporter": 7}"#) == .invalidReporter("7"))
    }

    @Test("custom metric definitions are rejected with their names; an empty list is fine")
    func definitions() throws {
        #expect(
            configError(#"{"definitions": [{"name": "my_metric", "value": "1", "type": "COUNTER"}]}"#)
                == .customMetricDefinitionsNotSupported(names: ["my_metric"])
        )
        _ = try decode(#"{"definitions": []}"#)
    }

    @Test("metrics entries decode and parse their dimensions")
    func metrics() throws {
        let config = try decode(
            #"""
            {"metrics": [
              {"name": "tcp_sent_bytes_total", "dimensions": {"peer_role": "filter_state.downstream_peer.labels['role']", "fixed": "'x'"}, "tags_to_remove": ["source_app"]},
              {"drop": true, "name": "tcp_received_bytes_total"},
              {"dimensions": {"source_cluster": "node.metadata['CLUSTER_ID']"}}
            ]}
            """#
        )
        #expect(config.metrics.count == 3)
        #expect(config.metrics[0].dimensions["peer_role"] == .peer(.downstream, .label("role")))
        #expect(config.metrics[0].dimensions["fixed"] == .literal("x"))
        #expect(config.metrics[0].tagsToRemove == ["source_app"])
        #expect(config.metrics[1].drop)
        #expect(config.metrics[2].name == "")
        #expect(config.metrics[2].dimensions["source_cluster"] == .nodeMetadata("CLUSTER_ID"))
    }

    @Test("a bad dimension expression is an error that quotes it")
    func badDimension() {
        let error = configError(#"{"metrics": [{"dimensions": {"x": "request.headers['foo']"}}]}"#)
        guard case .unsupportedDimensionExpression(let tag, let expression, _) = error else {
            Issue.record("expected unsupportedDimensionExpression, got \(String(describing: error))")
            return
        }
        #expect(tag == "x")
        #expect(expression == "request.headers['foo']")
        #expect(error!.description.contains("request.headers['foo']"))
    }

    @Test("other metric-entry errors")
    func metricEntryErrors() {
        #expect(configError(#"{"metrics": [{"name": "istio_tcp_sent_bytes_total"}]}"#) == .unknownMetricName("istio_tcp_sent_bytes_total"))
        #expect(configError(#"{"metrics": [{"tags_to_remove": ["nope"]}]}"#) == .unknownTagToRemove(metric: "", tag: "nope"))
        #expect(configError(#"{"metrics": [{"match": "true"}]}"#) == .matchNotSupported(metric: "", expression: "true"))
        #expect(configError(#"{"metrics": [{"dimensions": {"bad-name": "'x'"}}]}"#) == .invalidDimensionName("bad-name"))
        #expect(configError(#"{"metrics": [{"unknown": 1}]}"#) == .unknownField("unknown"))
    }

    @Test("HTTP metric names are accepted and do not affect TCP metrics")
    func httpMetricNames() throws {
        let config = try decode(#"{"metrics": [{"name": "requests_total", "drop": true}, {"name": "request_bytes", "tags_to_remove": ["reporter"]}]}"#)
        let labels = TCPStatsLabels(input: Fixtures.clientInput(), config: config)
        for metric in TCPStatsMetric.allCases {
            #expect(labels.tags(for: metric) == labels.standard)
        }
    }

    @Test("the error path points at the field")
    func codingPath() {
        do {
            _ = try decode(#"{"metrics": [{"dimensions": {"x": "1 + 2"}}]}"#)
            Issue.record("expected an error")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue).last == "dimensions")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("direct construction validates too")
    func directInit() throws {
        #expect(throws: TCPStatsConfigError.self) { try TCPStatsConfig(tcpReportingDuration: .seconds(-1)) }
        let config = try TCPStatsConfig(tcpReportingDuration: .zero, metrics: [try .init(name: "tcp_sent_bytes_total", drop: true)])
        #expect(config.periodicReportingInterval == nil)
    }
}
