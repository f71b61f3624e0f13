import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The `relay` executable as a process: signals as Envoy handles them (issue 9 §4) and bind
/// failures as one line and exit 1 (issue 11 §1).
@Suite(.enabled(if: RelayProcess.executable != nil, "the relay executable is built by swift build --build-tests"), .timeLimit(.minutes(1)))
struct RelayProcessTests {
    static func yaml(backend: Int, accessLog: String? = nil, listenerPort: Int = 0, adminPort: Int = 0) -> String {
        let log = accessLog.map {
            """

                      access_log:
                      - name: envoy.access_loggers.file
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                          path: \($0)
                          log_format: { text_format_source: { inline_string: "%BYTES_RECEIVED%\\n" } }
            """
        } ?? ""
        return """
            admin:
              address: { socket_address: { address: 127.0.0.1, port_value: \(adminPort) } }
            static_resources:
              listeners:
              - name: front
                address: { socket_address: { address: 127.0.0.1, port_value: \(listenerPort) } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: front
                      cluster: backend\(log)
              clusters:
              - name: backend
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(backend) } } }
            """
    }

    static func listenerPort(admin: Int) async throws -> Int {
        let text = try await AdminClient.request(port: admin, "/listeners").body
        return Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// Envoy's SIGTERM shuts down without draining: an idle open connection no longer holds
    /// the process for `--drain-time-s` (600 s). Exit status 0.
    @Test func sigtermExitsAtOnceWithAnIdleConnectionOpen() async throws {
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let (relay, admin) = try await RelayProcess.serve(yaml: Self.yaml(backend: backend.port))
        let connection = try await EchoConnection.open(port: try await Self.listenerPort(admin: admin))
        #expect(try await connection.roundTrip("ping") == "ping")
        relay.signal(SIGTERM)
        let status = try await withDeadline(seconds: 10, "relay's exit after SIGTERM") { await relay.exitStatus() }
        #expect(status == 0, "\(relay.stderr)")
        #expect(relay.stderr.contains("caught SIGTERM"))
        await connection.close()
        await relay.cleanUp()
        await backend.stop()
    }

    /// A second SIGTERM while the first one's shutdown runs exits at once (status 128+15); if
    /// the shutdown already finished, the status is 0. Either way the process is gone promptly.
    @Test func secondSigtermExitsAtOnce() async throws {
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let (relay, admin) = try await RelayProcess.serve(yaml: Self.yaml(backend: backend.port))
        let connection = try await EchoConnection.open(port: try await Self.listenerPort(admin: admin))
        #expect(try await connection.roundTrip("ping") == "ping")
        relay.signal(SIGTERM)
        relay.signal(SIGTERM)
        let status = try await withDeadline(seconds: 10, "relay's exit after two SIGTERMs") { await relay.exitStatus() }
        #expect(status == 0 || status == 128 + SIGTERM, "\(relay.stderr)")
        if status != 0 { #expect(relay.stderr.contains("caught SIGTERM again during shutdown, exiting now")) }
        await connection.close()
        await relay.cleanUp()
        await backend.stop()
    }

    /// SIGHUP (Envoy eats it) and SIGUSR2 leave the process and its connections alone.
    @Test func sighupAndSigusr2AreIgnored() async throws {
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let (relay, admin) = try await RelayProcess.serve(yaml: Self.yaml(backend: backend.port))
        let connection = try await EchoConnection.open(port: try await Self.listenerPort(admin: admin))
        #expect(try await connection.roundTrip("before") == "before")
        relay.signal(SIGHUP)
        relay.signal(SIGUSR2)
        #expect(try await eventually { relay.stderr.contains("SIGHUP") && relay.stderr.contains("ignored signal \(SIGUSR2)") })
        #expect(relay.isRunning)
        #expect(try await connection.roundTrip("after") == "after")
        #expect(try await AdminClient.request(port: admin, "/ready").status == 200)
        await connection.close()
        await relay.cleanUp()
        await backend.stop()
    }

    /// logrotate renames the access log and sends SIGUSR1: Relay reopens the path, later lines
    /// go to the new file, and open connections carry on. Lines reach the file within
    /// `--file-flush-interval-msec` (here 20 ms) without a flush from anyone.
    @Test func sigusr1ReopensAccessLogsAfterRename() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let logDirectory = NSTemporaryDirectory() + "relay-rotate-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logDirectory) }
        let log = logDirectory + "/access.log"
        let (relay, admin) = try await RelayProcess.serve(
            yaml: Self.yaml(backend: backend.port, accessLog: log),
            arguments: ["--file-flush-interval-msec", "20"]
        )
        let port = try await Self.listenerPort(admin: admin)
        func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

        _ = try await TestClient.exchange(port: port, payload: ByteBuffer(string: "one"), group: group)
        #expect(try await eventually { contents(log) == "3\n" })
        let open = try await EchoConnection.open(port: port)
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        relay.signal(SIGUSR1)
        #expect(try await eventually { relay.stderr.contains("reopened access logs") })
        _ = try await TestClient.exchange(port: port, payload: ByteBuffer(string: "second"), group: group)
        #expect(try await eventually { contents(log) == "6\n" })
        #expect(contents(log + ".1") == "3\n")
        #expect(try await open.roundTrip("still") == "still")
        #expect(relay.isRunning)
        await open.close()
        relay.signal(SIGTERM)
        #expect(try await withDeadline(seconds: 10, "exit") { await relay.exitStatus() } == 0)
        await relay.cleanUp()
        await backend.stop()
    }

    /// A taken listener port: one line naming the listener and address, exit 1, no backtrace.
    @Test func listenerBindConflictIsOneLineAndExit1() async throws {
        let holder = try await PortHolder.bind()
        let directory = NSTemporaryDirectory() + "relay-bind-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = directory + "/relay.yaml"
        try Self.yaml(backend: 9, listenerPort: holder.port).write(toFile: config, atomically: true, encoding: .utf8)
        let relay = try RelayProcess(arguments: ["-c", config], directory: directory)
        let status = try await withDeadline(seconds: 20, "relay's exit") { await relay.exitStatus() }
        #expect(status == 1)
        #expect(relay.stderr == "error adding listener 'front': cannot bind '127.0.0.1:\(holder.port)': Address already in use\n")
        await relay.cleanUp()
        await holder.close()
    }

    /// The same for the admin address.
    @Test func adminBindConflictIsOneLineAndExit1() async throws {
        let holder = try await PortHolder.bind()
        let directory = NSTemporaryDirectory() + "relay-bind-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = directory + "/relay.yaml"
        try Self.yaml(backend: 9, adminPort: holder.port).write(toFile: config, atomically: true, encoding: .utf8)
        let relay = try RelayProcess(arguments: ["-c", config, "-l", "warning"], directory: directory)
        let status = try await withDeadline(seconds: 20, "relay's exit") { await relay.exitStatus() }
        #expect(status == 1)
        #expect(relay.stderr == "admin: cannot bind '127.0.0.1:\(holder.port)': Address already in use\n")
        await relay.cleanUp()
        await holder.close()
    }
}

/// A listening socket without `SO_REUSEPORT`, so Relay's bind to the same port fails.
struct PortHolder {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static func bind() async throws -> PortHolder {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return PortHolder(channel: channel)
    }

    func close() async {
        try? await channel.close()
    }
}

/// One proxied connection kept open across steps: write a message, read its echo.
final class EchoConnection: Sendable {
    private let channel: any Channel
    private let received: ReceivedBytes

    private init(channel: any Channel, received: ReceivedBytes) {
        self.channel = channel
        self.received = received
    }

    static func open(port: Int) async throws -> EchoConnection {
        let received = ReceivedBytes()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReceivingHandler(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return EchoConnection(channel: channel, received: received)
    }

    /// Sends `text` and returns what came back once as many bytes arrived.
    func roundTrip(_ text: String) async throws -> String {
        try await channel.writeAndFlush(ByteBuffer(string: text))
        let count = text.utf8.count
        guard try await eventually({ received.available >= count }) else {
            throw RelayProcessError("no echo of '\(text)'")
        }
        return received.take(count)
    }

    func close() async {
        try? await channel.close()
    }
}

/// Bytes a test connection received, shared between its event loop and the test.
private final class ReceivedBytes: Sendable {
    private let buffer = Mutex(ByteBuffer())

    var available: Int { buffer.withLock { $0.readableBytes } }

    func append(_ bytes: ByteBuffer) {
        _ = buffer.withLock { $0.writeImmutableBuffer(bytes) }
    }

    func take(_ count: Int) -> String {
        buffer.withLock { $0.readString(length: count) ?? "" }
    }
}

/// Collects every received buffer into ``ReceivedBytes``.
private final class ReceivingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let received: ReceivedBytes

    init(received: ReceivedBytes) {
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.append(unwrapInboundIn(data))
    }
}
