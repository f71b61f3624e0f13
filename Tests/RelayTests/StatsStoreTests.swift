import Foundation
import Relay
import Testing

/// Stats names, scopes with tag extraction, and the three admin renderings.
@Suite("StatsStore")
struct StatsStoreTests {
    // MARK: - Names and scopes

    @Test("asking twice for a name returns the same stat")
    func sameNameSameStat() {
        let store = StatsStore()
        let a = store.counter(StatName("server.x"))
        let b = store.root.counter("server.x")
        #expect(a === b)
        #expect(store.gauge(StatName("g")) === store.gauge(StatName("g")))
        #expect(store.histogram(StatName("h")) === store.histogram(StatName("h")))
        #expect(store.existingCounter("server.x") === a)
        #expect(store.existingCounter("server.missing") == nil)
        #expect(store.existingGauge("g") != nil)
    }

    @Test("counters count, gauges move both ways, and both remember being used")
    func counterAndGauge() {
        let store = StatsStore()
        let counter = store.root.counter("c")
        #expect(counter.value == 0)
        #expect(!counter.isUsed)
        counter.increment()
        counter.increment(by: 4)
        #expect(counter.value == 5)
        #expect(counter.isUsed)

        let gauge = store.root.gauge("g")
        #expect(!gauge.isUsed)
        gauge.increment()
        gauge.increment()
        gauge.decrement()
        gauge.add(-3)
        #expect(gauge.value == -2)
        gauge.set(7)
        #expect(gauge.value == 7)

        let zeroed = store.root.gauge("z")
        zeroed.set(0)
        #expect(zeroed.isUsed)
    }

    @Test("a plain scope prefixes names without tags")
    func plainScope() {
        let store = StatsStore()
        let name = store.root.scope("listener_manager").statName("listener_added")
        #expect(name.name == "listener_manager.listener_added")
        #expect(name.tagExtractedName == "listener_manager.listener_added")
        #expect(name.tags.isEmpty)
        #expect(name.prometheusName == "envoy_listener_manager_listener_added")
        #expect(name.description == "listener_manager.listener_added")
    }

    @Test("a tagged scope extracts its value segment as a tag")
    func taggedScope() {
        let store = StatsStore()
        let cluster = store.root.scope("cluster", taggedValue: "backend", tagName: "envoy.cluster_name")
        #expect(cluster.prefix == "cluster.backend.")
        #expect(cluster.extractedPrefix == "cluster.")
        let name = cluster.statName("upstream_cx_total")
        #expect(name.name == "cluster.backend.upstream_cx_total")
        #expect(name.tagExtractedName == "cluster.upstream_cx_total")
        #expect(name.tags == [StatTag("envoy.cluster_name", "backend")])
        #expect(name.prometheusName == "envoy_cluster_upstream_cx_total")
    }

    @Test("nested scopes accumulate prefixes and tags in order")
    func nestedScopes() {
        let store = StatsStore()
        let scope = store.root
            .scope("tcp", taggedValue: "ingress", tagName: "envoy.tcp_prefix")
            .scope("upstream", taggedValue: "backend.svc", tagName: "envoy.cluster_name")
            .scope("flow")
        let name = scope.statName("paused")
        #expect(name.name == "tcp.ingress.upstream.backend.svc.flow.paused")
        #expect(name.tagExtractedName == "tcp.upstream.flow.paused")
        #expect(name.tags == [StatTag("envoy.tcp_prefix", "ingress"), StatTag("envoy.cluster_name", "backend.svc")])
    }

    @Test("custom-namespace names: flat name carries tags, Prometheus name has no envoy_ prefix")
    func customNamespace() {
        let name = StatName.custom(
            namespace: "istiocustom",
            metric: "istio_tcp_connections_opened_total",
            tags: [StatTag("reporter", "destination"), StatTag("source_workload", "productpage-v1")]
        )
        #expect(
            name.name
                == "istiocustom.istio_tcp_connections_opened_total.reporter.destination.source_workload.productpage-v1"
        )
        #expect(name.tagExtractedName == "istio_tcp_connections_opened_total")
        #expect(name.namespace == .custom("istiocustom"))
        #expect(name.prometheusName == "istio_tcp_connections_opened_total")
    }

    @Test("sanitize maps non-[a-zA-Z0-9_] to _ and guards a leading digit")
    func sanitize() {
        #expect(StatName.sanitize("cluster.my-svc:8080") == "cluster_my_svc_8080")
        #expect(StatName.sanitize("9lives") == "_9lives")
        #expect(StatName.sanitize("ok_Name9") == "ok_Name9")
        #expect(StatName.sanitize("é") == "_")
    }

    // MARK: - Prometheus

    /// Lines of `text` that start with `prefix`.
    private func lines(_ text: String, startingWith prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    @Test("Envoy's order: counters, then gauges, then histograms; one # TYPE line per family, families sorted")
    func prometheusFamilies() {
        let store = StatsStore()
        let backend = store.root.scope("cluster", taggedValue: "backend", tagName: "envoy.cluster_name")
        let cache = store.root.scope("cluster", taggedValue: "cache", tagName: "envoy.cluster_name")
        backend.counter("upstream_cx_total").increment(by: 3)
        cache.counter("upstream_cx_total").increment()
        backend.gauge("upstream_cx_active").set(2)
        store.root.scope("server").gauge("live").set(1)

        let text = store.snapshot().renderPrometheus(naming: .envoy).withoutHelpLines
        #expect(
            text == """
                # TYPE envoy_cluster_upstream_cx_total counter
                envoy_cluster_upstream_cx_total{envoy_cluster_name="backend"} 3
                envoy_cluster_upstream_cx_total{envoy_cluster_name="cache"} 1
                # TYPE envoy_cluster_upstream_cx_active gauge
                envoy_cluster_upstream_cx_active{envoy_cluster_name="backend"} 2
                # TYPE envoy_server_live gauge
                envoy_server_live{} 1

                """
        )
        #expect(lines(text, startingWith: "# TYPE envoy_cluster_upstream_cx_total ").count == 1)
    }

    @Test("label values are escaped: backslash, double quote, newline")
    func prometheusLabelEscaping() {
        let store = StatsStore()
        let name = StatName(
            name: "x.weird",
            tagExtractedName: "x",
            tags: [StatTag("envoy.odd", "a\"b\\c\nd")]
        )
        store.counter(name).increment()
        let text = store.snapshot().renderPrometheus(naming: .envoy).withoutHelpLines
        #expect(lines(text, startingWith: "envoy_x{") == [#"envoy_x{envoy_odd="a\"b\\c\nd"} 1"#])
    }

    @Test("custom namespace stats keep their own name; Envoy stats get envoy_")
    func prometheusNamespaces() {
        let store = StatsStore()
        let tags = [StatTag("reporter", "source"), StatTag("destination_service", "reviews")]
        store.counter(.custom(namespace: "istiocustom", metric: "istio_tcp_connections_opened_total", tags: tags))
            .increment(by: 2)
        store.root.scope("listener_manager").counter("listener_added").increment()
        let text = store.snapshot().renderPrometheus(naming: .envoy).withoutHelpLines
        #expect(text.contains("# TYPE istio_tcp_connections_opened_total counter\n"))
        #expect(
            text.contains(
                #"istio_tcp_connections_opened_total{reporter="source",destination_service="reviews"} 2"#
            )
        )
        #expect(!text.contains("envoy_istio"))
        #expect(!text.contains("istiocustom"))
        #expect(text.contains("# TYPE envoy_listener_manager_listener_added counter\n"))
    }

    @Test("histograms: cumulative le buckets, +Inf, _sum and _count, with the stat's labels")
    func prometheusHistogram() {
        let store = StatsStore()
        let histogram = store.root
            .scope("cluster", taggedValue: "backend", tagName: "envoy.cluster_name")
            .histogram("upstream_cx_connect_ms")
        histogram.record(3)
        histogram.record(7)
        histogram.record(7_000_000)
        let text = store.snapshot().renderPrometheus(naming: .envoy).withoutHelpLines
        let family = "envoy_cluster_upstream_cx_connect_ms"
        #expect(lines(text, startingWith: "# TYPE") == ["# TYPE \(family) histogram"])
        let buckets = lines(text, startingWith: family + "_bucket")
        #expect(buckets.count == Histogram.defaultBuckets.count + 1)
        #expect(buckets.first == #"\#(family)_bucket{envoy_cluster_name="backend",le="0.5"} 0"#)
        #expect(buckets.contains(#"\#(family)_bucket{envoy_cluster_name="backend",le="1"} 0"#))
        #expect(buckets.contains(#"\#(family)_bucket{envoy_cluster_name="backend",le="5"} 1"#))
        #expect(buckets.contains(#"\#(family)_bucket{envoy_cluster_name="backend",le="10"} 2"#))
        #expect(buckets.contains(#"\#(family)_bucket{envoy_cluster_name="backend",le="3600000"} 2"#))
        #expect(buckets.last == #"\#(family)_bucket{envoy_cluster_name="backend",le="+Inf"} 3"#)
        #expect(lines(text, startingWith: family + "_sum") == [#"\#(family)_sum{envoy_cluster_name="backend"} 7000010"#])
        #expect(lines(text, startingWith: family + "_count") == [#"\#(family)_count{envoy_cluster_name="backend"} 3"#])
        // Buckets are cumulative: never decreasing.
        let counts = buckets.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        #expect(counts == counts.sorted())
    }

    @Test("an untagged histogram's buckets carry only le")
    func prometheusUntaggedHistogram() {
        let store = StatsStore()
        store.root.scope("server").histogram("initialization_time_ms").record(0.25)
        let text = store.snapshot().renderPrometheus(naming: .envoy).withoutHelpLines
        #expect(text.contains("envoy_server_initialization_time_ms_bucket{le=\"0.5\"} 1\n"))
        #expect(text.contains("envoy_server_initialization_time_ms_sum{} 0.25\n"))
    }

    @Test("usedOnly leaves out stats that were never updated")
    func prometheusUsedOnly() {
        let store = StatsStore()
        store.root.counter("used").increment()
        _ = store.root.counter("unused")
        _ = store.root.gauge("unused_gauge")
        _ = store.root.histogram("unused_ms")
        let text = store.snapshot().renderPrometheus(usedOnly: true, naming: .envoy).withoutHelpLines
        #expect(text == "# TYPE envoy_used counter\nenvoy_used{} 1\n")
        #expect(store.snapshot().renderPrometheus(naming: .envoy).withoutHelpLines.contains("envoy_unused_ms_count{} 0"))
    }

    // MARK: - /stats text

    @Test("/stats text: name: value lines sorted by name across kinds")
    func textSorted() {
        let store = StatsStore()
        store.root.scope("server").gauge("live").set(1)
        store.root.scope("cluster", taggedValue: "b", tagName: "envoy.cluster_name").counter("upstream_cx_total")
            .increment(by: 2)
        store.root.scope("cluster", taggedValue: "a", tagName: "envoy.cluster_name").gauge("upstream_cx_active")
            .set(3)
        store.root.scope("listener_manager").counter("listener_added").increment()
        #expect(
            store.snapshot().renderText() == """
                cluster.a.upstream_cx_active: 3
                cluster.b.upstream_cx_total: 2
                listener_manager.listener_added: 1
                server.live: 1

                """
        )
    }

    @Test("/stats text: filter and usedOnly")
    func textFilterAndUsedOnly() {
        let store = StatsStore()
        store.root.counter("a.used").increment()
        _ = store.root.counter("a.unused")
        store.root.counter("b.used").increment()
        let snapshot = store.snapshot()
        #expect(snapshot.renderText(usedOnly: true) == "a.used: 1\nb.used: 1\n")
        #expect(snapshot.renderText(filter: { $0.hasPrefix("a.") }) == "a.unused: 0\na.used: 1\n")
    }

    @Test("/stats text: histograms show quantiles, or that nothing was recorded")
    func textHistograms() throws {
        let store = StatsStore()
        _ = store.root.histogram("empty_ms")
        let used = store.root.histogram("used_ms")
        used.record(1)
        used.record(100)
        let lines = store.snapshot().renderText().split(separator: "\n").map(String.init)
        #expect(lines.contains("empty_ms: No recorded values"))
        let usedLine = try #require(lines.first { $0.hasPrefix("used_ms: ") })
        let parts = usedLine.dropFirst("used_ms: ".count).split(separator: " ").map(String.init)
        #expect(parts.map { String($0.prefix { $0 != "(" }) } == [
            "P0", "P25", "P50", "P75", "P90", "P95", "P99", "P99.5", "P99.9", "P100",
        ])
    }

    // MARK: - /stats?format=json

    private func parseJSON(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test("JSON: {stats: [{name, value}…]} sorted by name, then one histograms element")
    func jsonShape() throws {
        let store = StatsStore()
        store.root.scope("server").gauge("live").set(1)
        store.root.counter("a.\"quoted\"").increment(by: 2)
        store.root.histogram("h_ms").record(5)
        let root = try parseJSON(store.snapshot().renderJSON())
        #expect(Array(root.keys) == ["stats"])
        let stats = try #require(root["stats"] as? [[String: Any]])
        #expect(stats.count == 3)
        #expect(stats[0]["name"] as? String == "a.\"quoted\"")
        #expect(stats[0]["value"] as? Int == 2)
        #expect(stats[1]["name"] as? String == "server.live")
        #expect(stats[1]["value"] as? Int == 1)

        let histograms = try #require(stats[2]["histograms"] as? [String: Any])
        let supported = try #require(histograms["supported_quantiles"] as? [Double])
        #expect(supported == [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100])
        let computed = try #require(histograms["computed_quantiles"] as? [[String: Any]])
        #expect(computed.count == 1)
        #expect(computed[0]["name"] as? String == "h_ms")
        let values = try #require(computed[0]["values"] as? [[String: Any]])
        #expect(values.count == supported.count)
        #expect(values.allSatisfy { $0["interval"] != nil && $0["cumulative"] != nil })
    }

    @Test("JSON: no histograms element when no histogram is shown (as Envoy)")
    func jsonNoHistograms() throws {
        let store = StatsStore()
        store.root.counter("c").increment()
        _ = store.root.histogram("unused_ms")
        let used = try parseJSON(store.snapshot().renderJSON(usedOnly: true))
        let stats = try #require(used["stats"] as? [[String: Any]])
        #expect(stats.count == 1)
        #expect(stats[0]["name"] as? String == "c")

        let empty = try parseJSON(StatsStore().snapshot().renderJSON())
        #expect((empty["stats"] as? [Any])?.isEmpty == true)
    }

    @Test("JSON: a histogram with no samples has null quantiles")
    func jsonEmptyHistogramNulls() throws {
        let store = StatsStore()
        _ = store.root.histogram("h_ms")
        let root = try parseJSON(store.snapshot().renderJSON())
        let stats = try #require(root["stats"] as? [[String: Any]])
        let histograms = try #require(stats.last?["histograms"] as? [String: Any])
        let computed = try #require(histograms["computed_quantiles"] as? [[String: Any]])
        let values = try #require(computed.first?["values"] as? [[String: Any]])
        #expect(values.allSatisfy { $0["interval"] is NSNull && $0["cumulative"] is NSNull })
    }

    // MARK: - Histogram

    @Test("histogram: count, sum and cumulative bucket counts")
    func histogramBasics() throws {
        let histogram = Histogram(name: StatName("h"), bounds: [1, 10, 100])
        #expect(histogram.quantile(0.5) == nil)
        histogram.record(0.5)
        histogram.record(1)
        histogram.record(50)
        histogram.record(1000)
        histogram.record(-4)
        #expect(histogram.sampleCount == 5)
        #expect(histogram.sampleSum == 1051.5)
        #expect(histogram.cumulativeCounts == [3, 3, 4])
        let median = try #require(histogram.quantile(0.5))
        #expect(median >= 0 && median <= 1)
    }
}

extension String {
    /// The exposition without its `# HELP` lines, for exact comparisons of the rest.
    var withoutHelpLines: String {
        split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("# HELP ") }
            .joined(separator: "\n")
    }
}

@Suite struct ConventionalPrometheusNamingTests {
    @Test func countersGainTotalHistogramsBecomeSecondsTotalGaugesAreUntyped() {
        let store = StatsStore()
        let cluster = store.root.scope("cluster", taggedValue: "b", tagName: "envoy.cluster_name")
        cluster.counter("upstream_cx_connect_fail").increment()
        cluster.counter("upstream_cx_total").increment()
        cluster.gauge("membership_total").set(2)
        cluster.histogram("upstream_cx_connect_ms").record(250)
        let text = store.snapshot().renderPrometheus(naming: .conventional)
        #expect(text.contains("# TYPE envoy_cluster_upstream_cx_connect_fail_total counter"))
        #expect(text.contains("# TYPE envoy_cluster_upstream_cx_total counter"))
        #expect(!text.contains("upstream_cx_total_total"))
        #expect(text.contains("# TYPE envoy_cluster_membership_total untyped"))
        #expect(text.contains("# TYPE envoy_cluster_upstream_cx_connect_seconds histogram"))
        #expect(text.contains("envoy_cluster_upstream_cx_connect_seconds_bucket{envoy_cluster_name=\"b\",le=\"0.25\"} 1"))
        #expect(text.contains("envoy_cluster_upstream_cx_connect_seconds_sum{envoy_cluster_name=\"b\"} 0.25"))
        #expect(text.contains("# HELP envoy_cluster_upstream_cx_connect_fail_total cluster.upstream_cx_connect_fail"))
    }
}
