import BundledFilters
import Foundation
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Testing

/// A tcp_proxy naming a cluster that does not exist loads, as in Envoy, with one startup
/// warning; its connections are closed and counted as `downstream_cx_no_route` with flag `NR`.
@Suite(.timeLimit(.minutes(1)))
struct MissingClusterTests {
    @Test func loadsWarnsAndAnswersNoRoute() async throws {
        let yaml = TestBootstrap.tcpProxy(backend: 1).replacingOccurrences(of: "cluster: backend", with: "cluster: nowhere")
        let collector = WarningCollector()
        _ = try ServerConfiguration.load(yaml: yaml, fileName: "m.yaml", registry: .bundled, logger: collector.logger)
        #expect(collector.messages == [
            "tcp_proxy 'front': cluster 'nowhere' is not configured; its connections will be closed with NR (downstream_cx_no_route)"
        ])

        let relay = try await RunningRelay.start(yaml: yaml)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: relay.port("front")).get()
        try await client.closeFuture.get()
        #expect(relay.counter("tcp.front.downstream_cx_no_route") == 1)
        #expect(relay.counter("cluster.backend.upstream_cx_total") == 0)
        await relay.stop()
    }
}
