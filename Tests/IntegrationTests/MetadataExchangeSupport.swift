import Foundation
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Testing

/// A real TCP server for server-first protocols: it writes `greeting` as soon as it accepts
/// a connection, then echoes every byte (and mirrors half-close), like ``EchoBackend``.
final class GreetingEchoBackend: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start(greeting: String, group: any EventLoopGroup) async throws -> GreetingEchoBackend {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GreetingHandler(greeting: greeting))
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return GreetingEchoBackend(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Writes the greeting when the connection becomes active.
final class GreetingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let greeting: String

    init(greeting: String) {
        self.greeting = greeting
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
        context.fireChannelActive()
    }
}

/// A client that holds a conversation: read exactly n bytes, write, half-close, read to the end.
enum ConversationClient {
    struct Reader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var pending = ByteBuffer()

        /// Reads exactly `count` bytes (fails if the stream ends first).
        mutating func read(_ count: Int) async throws -> ByteBuffer {
            while pending.readableBytes < count {
                guard var chunk = try await iterator.next() else {
                    throw StreamEnded(expected: count, received: pending.readableBytes)
                }
                pending.writeBuffer(&chunk)
            }
            return pending.readSlice(length: count)!
        }

        /// Reads until the peer's FIN.
        mutating func readToEnd() async throws -> ByteBuffer {
            while var chunk = try await iterator.next() {
                pending.writeBuffer(&chunk)
            }
            defer { pending.clear() }
            return pending
        }
    }

    struct StreamEnded: Error {
        let expected: Int
        let received: Int
    }

    static func converse<T: Sendable>(
        port: Int,
        _ body: (inout Reader, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> T
    ) async throws -> T {
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
            var reader = Reader(iterator: inbound.makeAsyncIterator())
            return try await body(&reader, outbound)
        }
    }
}

/// The seed mesh (the demo's two sidecar bootstraps), with edits to the rendered YAML.
struct MetadataExchangeMesh {
    let inbound: RunningRelay
    let outbound: RunningRelay
    let certificates: TestCertificates

    var outboundPort: Int { outbound.port("0.0.0.0_27017") }

    /// Starts the two sidecars in front of a backend on `backendPort`.
    static func start(
        backendPort: Int,
        editInbound: (String) throws -> String = { $0 },
        editOutbound: (String) throws -> String = { $0 }
    ) async throws -> MetadataExchangeMesh {
        let certificates = try await TestCertificates()
        let inbound = try await RunningRelay.start(
            yaml: editInbound(
                SeedScenarioTests.render(
                    "mongodb-sidecar.yaml.in",
                    ["CERTS": certificates.directory, "INTERVAL": "0s", "DB_PORT": "\(backendPort)"]
                )
            )
        )
        let outbound = try await RunningRelay.start(
            yaml: editOutbound(
                SeedScenarioTests.render(
                    "ratings-v2-sidecar.yaml.in",
                    ["CERTS": certificates.directory, "INTERVAL": "0s", "INBOUND_PORT": "\(inbound.port("virtualInbound"))"]
                )
            )
        )
        return MetadataExchangeMesh(inbound: inbound, outbound: outbound, certificates: certificates)
    }

    func stop() async {
        await outbound.stop()
        await inbound.stop()
    }

    /// Waits until both sidecars reported `count` closed connections (labels are final then).
    func waitForClosed(_ count: UInt64) async throws -> Bool {
        for relay in [inbound, outbound] {
            let closed = try await eventually {
                SeedScenarioTests.series(relay, "istio_tcp_connections_closed_total").reduce(0) { $0 + $1.value } == count
            }
            if !closed { return false }
        }
        return true
    }

    /// The labels of the single `istio_tcp_connections_opened_total` series of `relay`.
    static func openedLabels(_ relay: RunningRelay) -> [String: String]? {
        let series = SeedScenarioTests.series(relay, "istio_tcp_connections_opened_total")
        return series.count == 1 ? series[0].labels : nil
    }

    /// Every non-zero `metadata_exchange.*` counter of `relay`.
    static func mxCounters(_ relay: RunningRelay) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for counter in relay.server.stats.snapshot().counters where counter.value > 0 {
            let name = counter.name.tagExtractedName
            if name.hasPrefix("metadata_exchange.") { result[name] = counter.value }
        }
        return result
    }
}

/// YAML surgery for the mesh variants.
enum YAMLEdit {
    struct Missing: Error, CustomStringConvertible {
        let text: String
        var description: String { "the bootstrap has no \(text.debugDescription)" }
    }

    /// Replaces the text from `start` up to (not including) `end` with `replacement`.
    static func replace(_ yaml: String, from start: String, upTo end: String, with replacement: String = "") throws -> String {
        guard let lower = yaml.range(of: start) else { throw Missing(text: start) }
        guard let upper = yaml.range(of: end, range: lower.upperBound..<yaml.endIndex) else { throw Missing(text: end) }
        var result = yaml
        result.replaceSubrange(lower.lowerBound..<upper.lowerBound, with: replacement)
        return result
    }

    /// Replaces the exact text `old` (which must occur) with `new`.
    static func replace(_ yaml: String, _ old: String, with new: String) throws -> String {
        guard yaml.contains(old) else { throw Missing(text: old) }
        return yaml.replacingOccurrences(of: old, with: new)
    }
}
