import Foundation
import NIOCore
import NIOPosix
import Relay
import Testing

/// tcp_proxy access logs: Envoy's file logger, the default format and a custom one.
@Suite(.timeLimit(.minutes(1)))
struct AccessLogIntegrationTests {
    @Test func fileAccessLogWritesOneLinePerConnection() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let directory = NSTemporaryDirectory() + "relay-accesslog-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let custom = directory + "/custom.log"
        let standard = directory + "/default.log"
        let yaml = TCPProxyIntegrationTests.proxyYAML(
            backendPort: backend.port,
            proxyExtra: """
                          access_log:
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: \(custom)
                              log_format:
                                text_format_source:
                                  inline_string: "%UPSTREAM_CLUSTER% rx=%BYTES_RECEIVED% tx=%BYTES_SENT% flags=%RESPONSE_FLAGS% %PROTOCOL%\\n"
                          - name: envoy.access_loggers.file
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                              path: \(standard)
                """
        )
        let relay = try await RunningRelay.start(yaml: yaml)
        _ = try await TestClient.exchange(port: relay.port("front"), payload: ByteBuffer(string: "12345"), group: group)
        // The line is logged when the connection closes, on its event loop, into the file's
        // buffer; flushing writes it at once instead of after --file-flush-interval-msec.
        let written = try await eventually {
            AccessLogger.flushAll()
            return ((try? String(contentsOfFile: custom, encoding: .utf8)) ?? "").hasSuffix("\n")
        }
        #expect(written)
        #expect(try String(contentsOfFile: custom, encoding: .utf8) == "backend rx=5 tx=5 flags=- -\n")
        let line = try String(contentsOfFile: standard, encoding: .utf8)
        #expect(line.hasPrefix("["))
        #expect(line.contains("\"- - -\" 0 - 5 5 "))
        #expect(line.hasSuffix("\"127.0.0.1:\(backend.port)\"\n"))
        await relay.stop()
        await backend.stop()
    }

    @Test func listenerAccessLogRecordsConnectionsAndRefusals() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let path = NSTemporaryDirectory() + "relay-listener-log-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let yaml = """
            static_resources:
              listeners:
              - name: picky
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: \(path)
                    log_format: { text_format_source: { inline_string: "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %BYTES_RECEIVED%\\n" } }
                filter_chains:
                - filter_chain_match: { source_ports: [1] }
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: picky
                      cluster: backend
              clusters:
              - name: backend
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(backend.port) } } }
            """
        let relay = try await RunningRelay.start(yaml: yaml)
        let reply = try await TestClient.exchange(port: relay.port("picky"), payload: ByteBuffer(string: "x"), group: group)
        #expect(reply.readableBytes == 0)
        #expect(relay.counter("listener.127.0.0.1_0.no_filter_chain_match") == 1)
        let logged = try await eventually {
            AccessLogger.flushAll()
            return ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").hasSuffix("\n")
        }
        #expect(logged)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "NR filter_chain_not_found 0\n")
        await relay.stop()
        await backend.stop()
    }

    @Test func unknownCommandOperatorIsAConfigError() async throws {
        let yaml = TCPProxyIntegrationTests.proxyYAML(
            backendPort: 9,
            proxyExtra: """
                          access_log:
                          - name: envoy.access_loggers.stdout
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                              log_format: { text_format_source: { inline_string: "%NOPE%" } }
                """
        )
        await #expect(throws: (any Error).self) { try await RunningRelay.start(yaml: yaml) }
    }
}
