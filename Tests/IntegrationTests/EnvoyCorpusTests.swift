import BundledFilters
import Foundation
import Relay
import RelayConfig
import RelayServer
import Testing

/// Real Envoy bootstraps from Envoy's own repositories (`Fixtures/envoy-corpus`, origins in its
/// `ORIGINS.md`), loaded as `relay --mode validate` loads them. Each file either loads, or is
/// refused with an explicit `'<field>' is not supported by Relay`. Anything else is a Relay gap:
/// it stays in the table as ``Outcome/knownGap(error:envoy:)`` so the suite is green while the
/// gap is visible, and the test fails as soon as the file's behaviour changes — then move the
/// entry to `.loads` or `.refused`.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy") && bundledHas("envoy.filters.listener.tls_inspector", .listenerFilter)))
struct EnvoyCorpusTests {
    /// What loading one corpus file must do.
    enum Outcome: Sendable {
        /// The file loads with the bundled registry.
        case loads
        /// The load fails with `'<field>' is not supported by Relay`; the associated text is a
        /// fragment of that message.
        case refused(String)
        /// A Relay bug: the load fails some other way. `error` is a fragment of today's error,
        /// `envoy` what Envoy does with the same file.
        case knownGap(error: String, envoy: String)
    }

    struct Entry: Sendable, CustomTestStringConvertible {
        let file: String
        let outcome: Outcome
        var testDescription: String { file }
    }

    static func loads(_ file: String) -> Entry { Entry(file: file, outcome: .loads) }
    static func refused(_ file: String, _ fragment: String) -> Entry { Entry(file: file, outcome: .refused(fragment)) }
    static func gap(_ file: String, _ error: String, envoy: String) -> Entry {
        Entry(file: file, outcome: .knownGap(error: error, envoy: envoy))
    }


    /// Every file in `Fixtures/envoy-corpus` and its expected outcome.
    static let table: [Entry] = [
        // envoyproxy/examples
        loads("examples_brotli_envoy"),
        loads("examples_cache_envoy"),
        loads("examples_cors_backend_envoy"),
        loads("examples_cors_frontend_envoy"),
        loads("examples_csrf_crosssite_envoy"),
        loads("examples_csrf_samesite_envoy"),
        loads("examples_datadog-tracing_envoy"),
        loads("examples_double-proxy_envoy-backend"),
        loads("examples_double-proxy_envoy-frontend"),
        loads("examples_double-proxy_envoy"),
        refused("examples_dynamic-config-cp_envoy", "'dynamic_resources'"),
        refused("examples_dynamic-config-fs_envoy", "'dynamic_resources'"),
        loads("examples_ext_authz_config_grpc-service_v3"),
        loads("examples_ext_authz_config_http-service"),
        loads("examples_ext_authz_config_opa-service_v3"),
        loads("examples_fault-injection_envoy"),
        loads("examples_front-proxy_envoy"),
        loads("examples_front-proxy_service-envoy-2"),
        loads("examples_front-proxy_service-envoy"),
        loads("examples_golang-http_envoy"),
        refused("examples_golang-network_envoy", "'lb_policy: CLUSTER_PROVIDED'"),
        loads("examples_grpc-bridge_client_envoy-proxy"),
        loads("examples_grpc-bridge_server_envoy-proxy"),
        loads("examples_gzip_envoy"),
        loads("examples_jaeger-tracing_envoy"),
        loads("examples_jaeger-tracing_service1-envoy-jaeger"),
        loads("examples_jaeger-tracing_service2-envoy-jaeger"),
        refused("examples_kafka-mesh_envoy", "'envoy.filters.network.kafka_broker'"),
        refused("examples_kafka_envoy", "'envoy.filters.network.kafka_broker'"),
        refused("examples_load-reporting-service_envoy", "'cluster_manager'"),
        loads("examples_local_ratelimit_envoy"),
        refused("examples_locality-load-balancing_envoy", "'common_lb_config.locality_weighted_lb_config'"),
        loads("examples_lua-cluster-specifier_envoy"),
        loads("examples_lua_envoy"),
        refused("examples_mysql_envoy", "'envoy.filters.network.mysql_proxy'"),
        loads("examples_opentelemetry_envoy-1"),
        loads("examples_opentelemetry_envoy-2"),
        loads("examples_opentelemetry_envoy-front-proxy"),
        refused("examples_postgres_envoy", "'envoy.filters.network.postgres_proxy'"),
        loads("examples_rbac_envoy"),
        refused("examples_redis_envoy", "'lb_policy: MAGLEV'"),
        loads("examples_route-mirror_envoy"),
        refused("examples_single-page-app_envoy", "'dynamic_resources'"),
        loads("examples_skywalking_envoy-1"),
        loads("examples_skywalking_envoy-2"),
        loads("examples_skywalking_envoy-front-proxy"),
        loads("examples_tls-inspector_envoy"),
        loads("examples_tls-sni_envoy-client"),
        loads("examples_tls-sni_envoy"),
        loads("examples_tls_envoy-http-https"),
        loads("examples_tls_envoy-https-http"),
        loads("examples_tls_envoy-https-https"),
        loads("examples_tls_envoy-https-passthrough"),
        refused("examples_udp_envoy", "'protocol: UDP' is not supported by Relay"),
        loads("examples_wasm-cc_envoy"),
        loads("examples_websocket_envoy-ws-route"),
        loads("examples_websocket_envoy-ws"),
        loads("examples_websocket_envoy-wss-passthrough"),
        loads("examples_websocket_envoy-wss"),
        loads("examples_zipkin_envoy-1"),
        loads("examples_zipkin_envoy-2"),
        loads("examples_zipkin_envoy-front-proxy"),
        loads("examples_zstd_envoy"),

        // envoyproxy/envoy
        refused("envoy_configs_encapsulate_in_http1_connect", "'tunneling_config'"),
        refused("envoy_configs_original-dst-cluster_proxy_config", "'cluster_manager'"),
        refused("envoy_configs_proxy_protocol", "'envoy.transport_sockets.proxy_protocol'"),
        loads("envoy_docs_arch_overview_load-assignment"),
        refused("envoy_docs_arch_overview_load-balancing-policy", "'load_balancing_policy'"),
        loads("envoy_docs_arch_overview_matching_listener_tls"),
        refused("envoy_docs_arch_overview_proxy-protocol", "'envoy.transport_sockets.proxy_protocol'"),
        refused("envoy_docs_arch_overview_ssl", "'ocsp_staple'"),
        refused("envoy_docs_network_filters_redis-dns-lookups", "'envoy.filters.network.redis_proxy'"),
        refused("envoy_docs_network_filters_sni-dynamic-forward-proxy-filter", "'cluster_type'"),
        refused("envoy_docs_network_filters_zookeeper-filter-proxy", "'envoy.filters.network.zookeeper_proxy'"),
        loads("envoy_quick-start_envoy-demo-tls-client-auth"),
        loads("envoy_quick-start_envoy-demo-tls-sni"),
        loads("envoy_quick-start_envoy-demo-tls-validation"),
        loads("envoy_quick-start_envoy-demo-tls"),
    ]

    static let directory = "envoy-corpus"

    static func corpusURL() throws -> URL {
        try #require(Bundle.module.url(forResource: directory, withExtension: nil, subdirectory: "Fixtures"))
    }

    @Test func tableCoversEveryFixture() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpusURL().path)
            .filter { $0.hasSuffix(".yaml") }
            .map { String($0.dropLast(".yaml".count)) }
        #expect(files.count >= 40)
        #expect(Set(files) == Set(Self.table.map(\.file)))
        #expect(Set(Self.table.map(\.file)).count == Self.table.count, "a file is listed twice")
    }

    @Test(arguments: table)
    func outcome(_ entry: Entry) async throws {
        let url = try Self.corpusURL().appendingPathComponent(entry.file + ".yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        // Keep the generated certificates alive until the load has read them.
        var certificates: TestCertificates?
        var path = url.path
        if CorpusCertificates.needsCertificates(text) {
            let generated = try await TestCertificates()
            certificates = generated
            let directory = generated.path("corpus")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            path = directory + "/" + url.lastPathComponent
            try CorpusCertificates.materialize(text, with: generated).write(toFile: path, atomically: true, encoding: .utf8)
        }
        defer { withExtendedLifetime(certificates) {} }

        switch entry.outcome {
        case .loads:
            let configuration = try ServerConfiguration.load(path: path, registry: .bundled)
            #expect(!configuration.listenerNames.isEmpty)
        case .refused(let fragment):
            let error = #expect(throws: (any Error).self) {
                try ServerConfiguration.load(path: path, registry: .bundled)
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("is not supported by Relay"), "\(message)")
            #expect(message.contains(fragment), "\(message)")
            #expect(message.contains(url.lastPathComponent + ":"), "the error names file:line:col: \(message)")
        case .knownGap(let fragment, let envoy):
            try withKnownIssue("Relay gap: \(envoy)") {
                _ = try ServerConfiguration.load(path: path, registry: .bundled)
            } matching: { issue in
                issue.error.map { "\($0)".contains(fragment) } ?? false
            }
        }
    }
}

/// Puts generated certificates where the corpus files expect Envoy's example certificates:
/// `RELAY_CORPUS_*_PEM` placeholder lines (inline PEM removed from the fixtures) and the
/// `filename:` paths the examples use.
enum CorpusCertificates {
    static let certificatePlaceholder = "RELAY_CORPUS_CERTIFICATE_PEM"
    static let privateKeyPlaceholder = "RELAY_CORPUS_PRIVATE_KEY_PEM"

    /// Example paths → generated file (`ratings-v2` is a workload certificate signed by `ca.crt`).
    static let files: [(path: String, generated: String)] = [
        ("/etc/ssl/certs/ca-certificates.crt", "ca.crt"),
        ("certs/cacert.pem", "ca.crt"),
        ("certs/servercert.pem", "ratings-v2.crt"),
        ("certs/serverkey.pem", "ratings-v2.key"),
        ("certs/clientcert.pem", "ratings-v2.crt"),
        ("certs/clientkey.pem", "ratings-v2.key"),
        ("certs/domain1.crt.pem", "ratings-v2.crt"),
        ("certs/domain1.key.pem", "ratings-v2.key"),
        ("certs/domain2.crt.pem", "ratings-v2.crt"),
        ("certs/domain2.key.pem", "ratings-v2.key"),
    ]

    static func needsCertificates(_ text: String) -> Bool {
        text.contains(certificatePlaceholder) || text.contains(privateKeyPlaceholder)
            || files.contains { text.contains($0.path) }
    }

    static func materialize(_ text: String, with certificates: TestCertificates) throws -> String {
        let certificate = try pemLines(certificates.path("ratings-v2.crt"))
        let privateKey = try pemLines(certificates.path("ratings-v2.key"))
        var output: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let indent = String(line.prefix { $0 == " " })
            if trimmed == certificatePlaceholder {
                output += certificate.map { indent + $0 }
            } else if trimmed == privateKeyPlaceholder {
                output += privateKey.map { indent + $0 }
            } else if line.contains("filename"), let file = files.first(where: { line.contains($0.path) }) {
                output.append(line.replacingOccurrences(of: file.path, with: certificates.path(file.generated)))
            } else {
                output.append(line)
            }
        }
        return output.joined(separator: "\n")
    }

    private static func pemLines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }
}
