import BundledFilters
import Foundation
import NIOCore
import NIOPosix
import RelayConfig
import RelayServer
import Testing

/// `static_resources.secrets` referenced by name from TLS contexts
/// (`tls_certificate_sds_secret_configs`, `validation_context_sds_secret_config`,
/// `combined_validation_context`), resolved at load as Envoy resolves static secrets.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(2)))
struct TLSStaticSecretsTests {
    /// Secrets for one Relay: its workload certificate and the mesh CA.
    static func secrets(certs: TestCertificates, certificate: String) -> String {
        """
          secrets:
          - name: workload
            tls_certificate:
              certificate_chain: { filename: "\(certs.path(certificate + ".crt"))" }
              private_key: { filename: "\(certs.path(certificate + ".key"))" }
          - name: mesh-ca
            validation_context:
              trusted_ca: { filename: "\(certs.path("ca.crt"))" }
        """
    }

    @Test func mutualTLSWithCertificatesAndCAFromStaticSecrets() async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let inbound = try await RunningRelay.start(
            yaml: """
                static_resources:
                \(Self.secrets(certs: certs, certificate: "mongodb"))
                  listeners:
                  - name: inbound
                    stat_prefix: inbound
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    filter_chains:
                    - filters:
                \(TLSYAML.tcpProxy("echo"))
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          require_client_certificate: true
                          common_tls_context:
                            tls_certificate_sds_secret_configs:
                            - name: workload
                            validation_context_sds_secret_config:
                              name: mesh-ca
                  clusters:
                \(TLSYAML.cluster("echo", port: backend.port))
                """
        )
        let outbound = try await RunningRelay.start(
            yaml: """
                static_resources:
                \(Self.secrets(certs: certs, certificate: "ratings-v2"))
                  listeners:
                  - name: outbound
                    stat_prefix: outbound
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    filter_chains:
                    - filters:
                \(TLSYAML.tcpProxy("mesh"))
                  clusters:
                \(TLSYAML.cluster("mesh", port: inbound.port("inbound")))
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        sni: echo.default.svc.cluster.local
                        common_tls_context:
                          tlsCertificateSdsSecretConfigs:
                          - name: workload
                          combined_validation_context:
                            default_validation_context:
                              match_typed_subject_alt_names:
                              - san_type: URI
                                matcher: { exact: "\(TLSYAML.mongodbSAN)" }
                            validation_context_sds_secret_config:
                              name: mesh-ca
                """
        )
        let payload = TestClient.payload(size: 1 << 20)
        let received = try await TestClient.exchange(
            port: outbound.port("outbound"), payload: payload, group: MultiThreadedEventLoopGroup.singleton
        )
        #expect(sha256Hex(received) == sha256Hex(payload))
        #expect(try await eventually { outbound.counter("cluster.mesh.ssl.handshake") == 1 })
        #expect(try await eventually { inbound.counter("listener.inbound.ssl.handshake") == 1 })
        #expect(inbound.counter("listener.inbound.ssl.no_certificate") == 0)
        #expect(outbound.counter("cluster.mesh.ssl.fail_verify_san") == 0)
        await outbound.stop()
        await inbound.stop()
        await backend.stop()
    }

    @Test func combinedValidationContextKeepsTheDefaultsSANCheck() async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let inbound = try await RunningRelay.start(
            yaml: """
                static_resources:
                \(Self.secrets(certs: certs, certificate: "mongodb"))
                  listeners:
                  - name: inbound
                    stat_prefix: inbound
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    filter_chains:
                    - filters:
                \(TLSYAML.tcpProxy("echo"))
                      transport_socket:
                        name: envoy.transport_sockets.tls
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                          common_tls_context:
                            tls_certificate_sds_secret_configs: [{ name: workload }]
                  clusters:
                \(TLSYAML.cluster("echo", port: backend.port))
                """
        )
        let outbound = try await RunningRelay.start(
            yaml: """
                static_resources:
                \(Self.secrets(certs: certs, certificate: "ratings-v2"))
                  listeners:
                  - name: outbound
                    stat_prefix: outbound
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    filter_chains:
                    - filters:
                \(TLSYAML.tcpProxy("mesh"))
                  clusters:
                \(TLSYAML.cluster("mesh", port: inbound.port("inbound")))
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        common_tls_context:
                          combined_validation_context:
                            default_validation_context:
                              match_typed_subject_alt_names:
                              - san_type: URI
                                matcher: { exact: "spiffe://cluster.local/ns/default/sa/someone-else" }
                            validation_context_sds_secret_config: { name: mesh-ca }
                """
        )
        _ = try await sendRaw(port: outbound.port("outbound"), Array("hello".utf8))
        #expect(try await eventually { outbound.counter("cluster.mesh.ssl.fail_verify_san") == 1 })
        #expect(outbound.counter("cluster.mesh.ssl.handshake") == 0)
        #expect(backend.port > 0)
        await outbound.stop()
        await inbound.stop()
        await backend.stop()
    }

    // MARK: - Load errors

    /// A bootstrap whose one listener has a DownstreamTLSContext with `commonTLSContext` (any
    /// indentation; re-indented under `common_tls_context:`).
    static func bootstrap(secrets: String, commonTLSContext: String) -> String {
        let lines = commonTLSContext.split(separator: "\n")
        let margin = lines.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        let body = lines.map { String(repeating: " ", count: 12) + $0.dropFirst(margin) }.joined(separator: "\n")
        return """
        static_resources:
          secrets:
        \(secrets)
          listeners:
          - name: l
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: s
                  cluster: c
              transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  common_tls_context:
        \(body)
          clusters:
          - name: c
            connect_timeout: 1s
            load_assignment:
              cluster_name: c
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
        """
    }

    static let caSecret = """
          - name: ca
            validation_context: { trusted_ca: { filename: /nonexistent/ca.crt } }
        """

    /// Loads `yaml` as `s.yaml` and returns the error's text.
    static func loadError(_ yaml: String) -> String {
        do {
            _ = try ServerConfiguration.load(yaml: yaml, fileName: "s.yaml", registry: .bundled)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test func aMissingCertificateSecretIsAnErrorAtItsName() {
        let error = Self.loadError(
            Self.bootstrap(
                secrets: Self.caSecret,
                commonTLSContext: """
                            tls_certificate_sds_secret_configs:
                            - name: nope
                    """
            )
        )
        #expect(error.hasPrefix("s.yaml:21:21:"), "\(error)")
        #expect(error.contains("unknown static secret 'nope' in 'tls_certificate_sds_secret_configs'"), "\(error)")
        #expect(error.contains("static_resources.secrets declares no tls_certificate"), "\(error)")
    }

    @Test func aMissingValidationSecretNamesTheDeclaredOnes() {
        let error = Self.loadError(
            Self.bootstrap(
                secrets: Self.caSecret,
                commonTLSContext: """
                            validation_context_sds_secret_config: { name: other-ca }
                    """
            )
        )
        #expect(error.hasPrefix("s.yaml:20:59:"), "\(error)")
        #expect(error.contains("unknown static secret 'other-ca'"), "\(error)")
        #expect(error.contains("declared validation_context secrets: ca"), "\(error)")
    }

    @Test func aSecretOfTheWrongKindIsNamed() {
        let error = Self.loadError(
            Self.bootstrap(
                secrets: Self.caSecret,
                commonTLSContext: """
                            tls_certificate_sds_secret_configs: [{ name: ca }]
                    """
            )
        )
        #expect(error.contains("secret 'ca' named in 'tls_certificate_sds_secret_configs' is a validation_context"), "\(error)")
    }

    @Test func sdsConfigIsRefused() {
        let error = Self.loadError(
            Self.bootstrap(
                secrets: Self.caSecret,
                commonTLSContext: """
                            validation_context_sds_secret_config:
                              name: ca
                              sds_config: { ads: {} }
                    """
            )
        )
        #expect(error.hasPrefix("s.yaml:22:15:"), "\(error)")
        #expect(error.contains("'sds_config' is not supported by Relay"), "\(error)")
    }

    @Test func malformedSecretsAreRefused() {
        let empty = Self.loadError(Self.bootstrap(secrets: "  - name: bare", commonTLSContext: "          alpn_protocols: [h2]"))
        #expect(empty.hasPrefix("s.yaml:3:11:"), "\(empty)")
        #expect(empty.contains("secret 'bare' needs one of 'tls_certificate' or 'validation_context'"), "\(empty)")
        let generic = Self.loadError(
            Self.bootstrap(
                secrets: "  - name: g\n    generic_secret: { secret: { inline_string: x } }",
                commonTLSContext: "          alpn_protocols: [h2]"
            )
        )
        #expect(generic.hasPrefix("s.yaml:4:5:"), "\(generic)")
        #expect(generic.contains("'generic_secret' is not supported by Relay"), "\(generic)")
        let duplicate = Self.loadError(
            Self.bootstrap(secrets: Self.caSecret + "\n" + Self.caSecret, commonTLSContext: "          alpn_protocols: [h2]")
        )
        #expect(duplicate.hasPrefix("s.yaml:5:11:"), "\(duplicate)")
        #expect(duplicate.contains("duplicate validation_context secret name 'ca'"), "\(duplicate)")
        let both = Self.loadError(
            Self.bootstrap(
                secrets: Self.caSecret,
                commonTLSContext: """
                            validation_context: { trusted_ca: { filename: /nonexistent/ca.crt } }
                            validation_context_sds_secret_config: { name: ca }
                    """
            )
        )
        #expect(both.contains("mutually exclusive"), "\(both)")
    }
}
