import Relay
import Testing

/// Envoy's default tag extraction: the name/tags pairs Envoy's own tag-extractor tests pin
/// (`test/common/stats/tag_extractor_impl_test.cc`), so `/stats/prometheus` labels match Envoy's.
@Suite("StatTagProducer")
struct StatTagProducerTests {
    private func produce(_ name: String, _ producer: StatTagProducer = .envoyDefault) -> String {
        let (extracted, tags) = producer.produce(name)
        return ([extracted] + tags.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
    }

    @Test("Envoy's default rules on L4 stat names", arguments: [
        ("cluster.backend.upstream_cx_total", "cluster.upstream_cx_total envoy.cluster_name=backend"),
        ("cluster.outbound|6379||redis.svc.upstream_cx_total", "cluster.svc.upstream_cx_total envoy.cluster_name=outbound|6379||redis"),
        ("tcp.ingress_tcp.downstream_cx_total", "tcp.downstream_cx_total envoy.tcp_prefix=ingress_tcp"),
        ("listener.127.0.0.1_15006.downstream_cx_total", "listener.downstream_cx_total envoy.listener_address=127.0.0.1_15006"),
        ("listener.[__1]_80.downstream_cx_total", "listener.downstream_cx_total envoy.listener_address=[__1]_80"),
        ("listener.my_prefix.downstream_cx_total", "listener.downstream_cx_total envoy.listener_address=my_prefix"),
        ("listener.admin.downstream_cx_total", "listener.admin.downstream_cx_total"),
        (
            "listener.127.0.0.1_3012.worker_123.downstream_cx_active",
            "listener.worker_downstream_cx_active envoy.worker_id=123 envoy.listener_address=127.0.0.1_3012"
        ),
        ("listener_manager.worker_1.dispatcher.loop_duration_us", "listener_manager.worker_dispatcher.loop_duration_us envoy.worker_id=1"),
        ("server.worker_123.watchdog_miss", "server.worker_watchdog_miss envoy.worker_id=123"),
        (
            "listener.127.0.0.1_443.ssl.ciphers.ECDHE-RSA-AES128-GCM-SHA256",
            "listener.ssl.ciphers envoy.ssl_cipher=ECDHE-RSA-AES128-GCM-SHA256 envoy.listener_address=127.0.0.1_443"
        ),
        (
            "cluster.mesh.ssl.versions.TLSv1.3",
            "cluster.ssl.versions envoy.ssl_version=TLSv1.3 envoy.cluster_name=mesh"
        ),
        ("connection_limit.my_connection_limit_prefix.limited_connections", "connection_limit.limited_connections envoy.connection_limit_prefix=my_connection_limit_prefix"),
        ("my_rbac_prefix.rbac.allowed", "rbac.allowed envoy.rbac_prefix=my_rbac_prefix"),
        ("proxy_proto.versions.v2.error", "proxy_proto.error envoy.proxy_protocol_version=2"),
        ("proxy_proto.test_stat_prefix.not_found_disallowed", "proxy_proto.not_found_disallowed envoy.proxy_protocol_prefix=test_stat_prefix"),
        ("redis.my_redis_prefix.response", "redis.response envoy.redis_prefix=my_redis_prefix"),
        ("cluster.ratings.upstream_rq_200", "cluster.upstream_rq envoy.response_code=200 envoy.cluster_name=ratings"),
        ("cluster.ratings.upstream_rq_2xx", "cluster.upstream_rq_xx envoy.response_code_class=2 envoy.cluster_name=ratings"),
        ("http.hcm_prefix.rbac.prefix.allowed", "http.rbac.allowed envoy.http_conn_manager_prefix=hcm_prefix envoy.rbac_http_prefix=prefix"),
        ("http.rds_connection_manager.rds.route_config.1-23.update_success", "http.rds.update_success envoy.http_conn_manager_prefix=rds_connection_manager envoy.rds_route_config=route_config.1-23"),
        ("metadata_exchange.alpn_protocol_found", "metadata_exchange.alpn_protocol_found"),
        ("server.live", "server.live"),
    ])
    func defaults(name: String, expected: String) {
        #expect(produce(name) == expected)
    }

    @Test("token patterns: `*` is one token, `**` any number, `$` the value with one adjoining dot")
    func tokenPatterns() throws {
        func run(_ pattern: String, _ name: String) throws -> String {
            let rule = try #require(StatTagExtractor(name: "t", tokens: pattern))
            return produce(name, StatTagProducer(extractors: [rule], useDefaultTags: false))
        }
        #expect(try run("$.is.the.time", "now.is.the.time") == "is.the.time t=now")
        #expect(try run("now.is.$.time", "now.is.the.time") == "now.is.time t=the")
        #expect(try run("now.is.the.$", "now.is.the.time") == "now.is.the t=time")
        #expect(try run("$.**.aid", "now.is.the.time.to.come.to.the.aid") == "is.the.time.to.come.to.the.aid t=now")
        #expect(try run("now.**.aid.$.of.their", "now.is.the.aid.fake.aid.real.of.their") == "now.is.the.aid.fake.aid.of.their t=real")
        #expect(try run("$.is.the.*", "now.is.the.time.to.come") == "now.is.the.time.to.come")
        #expect(try run("now.$.the", "now.is.the.time") == "now.is.the.time")
        #expect(StatTagExtractor(name: "t", tokens: "no.match.token") == nil)
    }

    @Test("stats_tags: a custom regex, a fixed value, and no default tags")
    func customRules() throws {
        let custom = try StatTagExtractor(name: "reporter", regex: #"(reporter=\.=(.*?);\.;)"#)
        let fixed = StatTagExtractor(name: "mesh_id", fixedValue: "cluster.local")
        let producer = StatTagProducer(extractors: [custom, fixed])
        #expect(produce("cluster.x.reporter=.=source;.;upstream_cx_total", producer)
            == "cluster.upstream_cx_total reporter=source mesh_id=cluster.local envoy.cluster_name=x")
        let bare = StatTagProducer(extractors: [], useDefaultTags: false)
        #expect(produce("cluster.backend.upstream_cx_total", bare) == "cluster.backend.upstream_cx_total")
        #expect(throws: StatRegex.Error.self) { try StatTagExtractor(name: "bad", regex: "(") }
    }

    @Test("a store applies the producer to Envoy-namespace stats and hides what the matcher excludes")
    func storeAppliesRules() {
        let store = StatsStore(tagProducer: .envoyDefault, inclusion: .allBut([.prefix("cluster.hidden.")]))
        store.root.scope("cluster").scope("backend").counter("upstream_cx_total").increment()
        store.root.counter("cluster.hidden.upstream_cx_total").increment()
        let counters = store.snapshot().counters
        #expect(counters.map(\.name.name) == ["cluster.backend.upstream_cx_total"])
        #expect(counters.first?.name.tagExtractedName == "cluster.upstream_cx_total")
        #expect(counters.first?.name.tags == [StatTag("envoy.cluster_name", "backend")])
        let none = StatsStore(tagProducer: .envoyDefault, inclusion: .none)
        none.root.counter("server.live").increment()
        #expect(none.snapshot().counters.isEmpty)
    }
}
