import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestSupport

/// One run of the `openssl` command-line tool (s_client or s_server): stdin is a pipe the
/// test writes to, stdout and stderr go to a temporary file the test polls. Spawned with
/// `posix_spawn` (see `ChildProcess`).
final class OpenSSLTool: Sendable {
    private let process: ChildProcess
    private let outputPath: String

    init(_ arguments: [String]) throws {
        outputPath = NSTemporaryDirectory() + "relay-openssl-" + UUID().uuidString + ".txt"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process = try ChildProcess(
            ChildProcess.env, ["openssl"] + arguments, input: .pipe, output: .file(outputPath), error: .standardOutput
        )
    }

    /// Everything the tool printed so far (stdout and stderr interleaved).
    var output: String { String(decoding: outputData, as: UTF8.self) }

    /// The raw bytes the tool printed so far.
    var outputData: Data { FileManager.default.contents(atPath: outputPath) ?? Data() }

    var isRunning: Bool { process.isRunning }

    /// Writes `text` to the tool's stdin; ignored when the tool has already exited (a broken
    /// pipe: a rejected s_client may be gone before the test writes).
    func send(_ text: String) {
        process.write(Array(text.utf8))
    }

    /// Closes the tool's stdin (s_client then closes the connection and exits).
    func closeInput() {
        process.closeInput()
    }

    /// Waits for the tool to exit on its own.
    func exited(timeout: TimeAmount = .seconds(5)) async throws -> Bool {
        try await eventually(timeout: timeout) { !process.isRunning }
    }

    /// The `-accept 127.0.0.1:0` port s_server printed (`ACCEPT 127.0.0.1:<port>`).
    func acceptedPort() async throws -> Int? {
        var port: Int?
        _ = try await eventually {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
                let value = line.split(separator: ":").last.flatMap({ Int($0) })
            else { return false }
            port = value
            return true
        }
        return port
    }

    /// Ends the tool if it still runs and removes its output file. The exit is reaped by the
    /// tool's waiter thread; this does not block the caller until then (``stopped()`` does).
    func stop() {
        closeInput()
        process.terminate()
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    /// Ends the tool like ``stop()``, then waits for it to have exited.
    func stopped() async {
        stop()
        _ = await process.exit()
    }
}

/// A TCP server on 127.0.0.1:0 that counts accepted connections, keeps the first bytes each
/// connection sent, and echoes everything (half-close mirrored).
final class RecordingBackend: Sendable {
    let channel: any Channel
    let record: Record
    var port: Int { channel.localAddress!.port! }
    var connections: Int { record.state.withLock { $0.connections } }
    var received: [UInt8] { record.state.withLock { $0.bytes } }

    final class Record: Sendable {
        struct State {
            var connections = 0
            var bytes: [UInt8] = []
        }
        let state = Mutex(State())
    }

    private init(channel: any Channel, record: Record) {
        self.channel = channel
        self.record = record
    }

    static func start(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> RecordingBackend {
        let record = Record()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                record.state.withLock { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(record: record))
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return RecordingBackend(channel: channel, record: record)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Records the bytes passing by, then forwards them.
final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let record: RecordingBackend.Record

    init(record: RecordingBackend.Record) {
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        record.state.withLock { $0.bytes += bytes.readableBytesView }
        context.fireChannelRead(data)
    }
}

/// Sends raw bytes to 127.0.0.1:`port`, then closes (or half-closes) and returns whatever came
/// back until the peer closed. Errors (a reset) count as "closed" and yield what arrived.
func sendRaw(port: Int, _ bytes: [UInt8], halfClose: Bool = true) async throws -> ByteBuffer {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(isOutboundHalfClosureEnabled: true)
                )
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try? await outbound.write(ByteBuffer(bytes: bytes))
        if halfClose { outbound.finish() }
        var received = ByteBuffer()
        do {
            for try await var chunk in inbound { received.writeBuffer(&chunk) }
        } catch {}
        return received
    }
}

/// YAML snippets for TLS tests.
enum TLSYAML {
    static func cluster(_ name: String, port: Int, transportSocket: String = "") -> String {
        """
          - name: \(name)
            connect_timeout: 2s
            load_assignment:
              cluster_name: \(name)
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: \(port) } }
        \(transportSocket)
        """
    }

    static func tcpProxy(_ cluster: String, indent: Int = 6) -> String {
        let pad = String(repeating: " ", count: indent)
        return """
        \(pad)- name: envoy.filters.network.tcp_proxy
        \(pad)  typed_config:
        \(pad)    "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        \(pad)    stat_prefix: \(cluster)
        \(pad)    cluster: \(cluster)
        """
    }

    /// A DownstreamTLSContext transport socket at chain level (6 spaces).
    static func downstream(
        certs: TestCertificates,
        serverCert: String = "mongodb",
        requireClientCertificate: Bool = false,
        alpn: [String] = [],
        san: String? = nil
    ) -> String {
        var text = """
              transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  require_client_certificate: \(requireClientCertificate)
                  common_tls_context:
                    alpn_protocols: [\(alpn.joined(separator: ", "))]
                    tls_certificates:
                    - certificate_chain: { filename: "\(certs.path(serverCert + ".crt"))" }
                      private_key: { filename: "\(certs.path(serverCert + ".key"))" }
                    validation_context:
                      trusted_ca: { filename: "\(certs.path("ca.crt"))" }
        """
        if let san {
            text += "\n              match_typed_subject_alt_names:"
            text += "\n              - san_type: URI"
            text += "\n                matcher: { exact: \"\(san)\" }"
        }
        return text
    }

    /// An UpstreamTLSContext transport socket at cluster level (4 spaces).
    static func upstream(
        certs: TestCertificates,
        clientCert: String = "ratings-v2",
        sni: String,
        alpn: [String],
        san: String
    ) -> String {
        """
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: \(sni)
                common_tls_context:
                  alpn_protocols: [\(alpn.joined(separator: ", "))]
                  tls_certificates:
                  - certificate_chain: { filename: "\(certs.path(clientCert + ".crt"))" }
                    private_key: { filename: "\(certs.path(clientCert + ".key"))" }
                  validation_context:
                    trusted_ca: { filename: "\(certs.path("ca.crt"))" }
                    match_typed_subject_alt_names:
                    - san_type: URI
                      matcher: { exact: "\(san)" }
        """
    }

    static let tlsInspector = """
            listener_filters:
            - name: envoy.filters.listener.tls_inspector
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
        """

    /// A bootstrap whose listener `front` (`stat_prefix: front`) has one chain, tcp_proxy to the
    /// cluster `cluster` at 127.0.0.1:`port`; `chain` goes on the chain (e.g. `downstream(...)`)
    /// and `transportSocket` on the cluster (e.g. `upstream(...)`).
    static func front(cluster: String, port: Int, chain: String = "", transportSocket: String = "") -> String {
        """
        static_resources:
          listeners:
          - name: front
            stat_prefix: front
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
        \(tcpProxy(cluster))
        \(chain)
          clusters:
        \(Self.cluster(cluster, port: port, transportSocket: transportSocket))
        """
    }

    /// A bootstrap whose listener `front` (`stat_prefix: front`, tls_inspector) terminates TLS
    /// (server certificate mongodb, client certificate required with the ratings SAN) and
    /// proxies to cluster `backend` at 127.0.0.1:`backendPort`.
    static func terminatingFront(certs: TestCertificates, backendPort: Int) -> String {
        """
        static_resources:
          listeners:
          - name: front
            stat_prefix: front
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        \(tlsInspector)
            filter_chains:
            - filter_chain_match: { transport_protocol: tls }
              filters:
        \(tcpProxy("backend"))
        \(downstream(certs: certs, requireClientCertificate: true, san: ratingsSAN))
          clusters:
        \(cluster("backend", port: backendPort))
        """
    }

    static let ratingsSAN = "spiffe://cluster.local/ns/default/sa/bookinfo-ratings-v2"
    static let mongodbSAN = "spiffe://cluster.local/ns/default/sa/default"
}

extension RunningRelay {
    /// Two relays in a row, outermost first: `outbound` takes plain TCP on `front` and
    /// originates TLS (client certificate ratings-v2, SNI echo.test, mongodb SAN expected) to
    /// `inbound`, which terminates it (`TLSYAML.terminatingFront`) and proxies to 127.0.0.1:`backendPort`.
    static func startTLSPair(
        certs: TestCertificates,
        backendPort: Int
    ) async throws -> (outbound: RunningRelay, inbound: RunningRelay) {
        let inbound = try await RunningRelay.start(yaml: TLSYAML.terminatingFront(certs: certs, backendPort: backendPort))
        let upstream = TLSYAML.upstream(certs: certs, sni: "echo.test", alpn: [], san: TLSYAML.mongodbSAN)
        let outbound = try await RunningRelay.start(
            yaml: TLSYAML.front(cluster: "backend", port: inbound.port("front"), transportSocket: upstream)
        )
        return (outbound, inbound)
    }
}
