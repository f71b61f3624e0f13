import NIOCore
import Relay
import RelayTestKit
import TCPProxy
import Testing

/// Backpressure both ways (spec §3.5 (7)).
@Suite struct TCPProxyFlowControlTests {
    @Test func upstreamAboveHighWatermarkPausesDownstreamReads() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        #expect(proxy.harness.transport.isReadEnabled)

        proxy.upstreamWriteBuffer(aboveHighWatermark: true)
        #expect(proxy.harness.transport.isReadEnabled == false)
        #expect(proxy.counter("tcp.front.downstream_flow_control_paused_reading_total") == 1)
        // Bytes the socket had already read wait in the connection until reads resume.
        proxy.harness.receive("held")
        #expect(proxy.upstreamWrittenString == "")

        proxy.upstreamWriteBuffer(aboveHighWatermark: false)
        #expect(proxy.harness.transport.isReadEnabled)
        #expect(proxy.counter("tcp.front.downstream_flow_control_resumed_reading_total") == 1)
        #expect(proxy.upstreamWrittenString == "held")
    }

    @Test func downstreamAboveHighWatermarkPausesUpstreamReads() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        let upstream = try #require(proxy.upstreamTransport)
        #expect(upstream.isReadEnabled)

        proxy.harness.setWriteBufferAboveHighWatermark(true)
        #expect(upstream.isReadEnabled == false)
        #expect(proxy.counter("cluster.backend.upstream_flow_control_paused_reading_total") == 1)
        proxy.upstreamSends("held")
        #expect(proxy.harness.writtenString == "")

        proxy.harness.setWriteBufferAboveHighWatermark(false)
        #expect(upstream.isReadEnabled)
        #expect(proxy.counter("cluster.backend.upstream_flow_control_resumed_reading_total") == 1)
        #expect(proxy.harness.writtenString == "held")
    }

    @Test func repeatedPausesBalance() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        for _ in 0..<3 {
            proxy.upstreamWriteBuffer(aboveHighWatermark: true)
            proxy.harness.setWriteBufferAboveHighWatermark(true)
            proxy.upstreamWriteBuffer(aboveHighWatermark: false)
            proxy.harness.setWriteBufferAboveHighWatermark(false)
        }
        #expect(proxy.harness.transport.isReadEnabled)
        #expect(proxy.upstreamTransport?.isReadEnabled == true)
        #expect(proxy.counter("tcp.front.downstream_flow_control_paused_reading_total") == 3)
        #expect(proxy.counter("tcp.front.downstream_flow_control_resumed_reading_total") == 3)
        #expect(proxy.counter("cluster.backend.upstream_flow_control_paused_reading_total") == 3)
        #expect(proxy.counter("cluster.backend.upstream_flow_control_resumed_reading_total") == 3)
        proxy.harness.receive("a")
        proxy.upstreamSends("b")
        #expect(proxy.upstreamWrittenString == "a")
        #expect(proxy.harness.writtenString == "b")
    }

    @Test func aPausedDownstreamStillHonoursItsReadBufferLimit() throws {
        // While paused, bytes the transport delivers pile up in the read buffer until the
        // connection's own limit read-disables the socket; nothing is lost.
        let proxy = try ProxyFixture(downstreamBufferLimit: 64 * 1024)
        proxy.upstreamConnects()
        proxy.upstreamWriteBuffer(aboveHighWatermark: true)
        let data = pattern(size: 256 * 1024, seed: 7)
        proxy.harness.receive(data)
        proxy.upstreamWriteBuffer(aboveHighWatermark: false)
        #expect(proxy.upstreamTransport!.written == data)
        #expect(proxy.harness.transport.isReadEnabled)
    }
}
