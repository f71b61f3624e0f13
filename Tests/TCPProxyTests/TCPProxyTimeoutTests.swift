import NIOCore
import Relay
import RelayTestKit
import TCPProxy
import Testing

/// idle_timeout and max_downstream_connection_duration on virtual time (spec §3.5 (8)).
@Suite struct TCPProxyTimeoutTests {
    static func config(idle: ProtobufDuration? = nil, maxDuration: ProtobufDuration? = nil) -> TCPProxyConfig {
        TCPProxyConfig(statPrefix: "front", cluster: "backend", idleTimeout: idle, maxDownstreamConnectionDuration: maxDuration)
    }

    @Test func idleTimeoutClosesBothSidesAfterNoBytes() throws {
        let proxy = try ProxyFixture(config: Self.config(idle: .seconds(10)))
        proxy.upstreamConnects()
        proxy.harness.advanceTime(by: .milliseconds(9_999))
        #expect(proxy.downstream.state == .open)
        proxy.harness.advanceTime(by: .milliseconds(1))
        #expect(proxy.downstream.state == .closed)
        #expect(proxy.harness.transport.closeMode == .immediately)
        #expect(proxy.upstreamTransport?.closeMode == .immediately)
        #expect(proxy.counter("tcp.front.idle_timeout") == 1)
    }

    @Test func trafficEitherWayPushesTheIdleTimeoutBack() throws {
        let proxy = try ProxyFixture(config: Self.config(idle: .seconds(10)))
        proxy.upstreamConnects()
        proxy.harness.advanceTime(by: .seconds(8))
        proxy.harness.receive("ping")           // t = 8
        proxy.harness.advanceTime(by: .seconds(8))
        #expect(proxy.downstream.state == .open)
        proxy.upstreamSends("pong")             // t = 16
        proxy.harness.advanceTime(by: .seconds(9))
        #expect(proxy.downstream.state == .open) // t = 25, idle 9 s
        proxy.harness.advanceTime(by: .seconds(1))
        #expect(proxy.downstream.state == .closed) // t = 26, idle 10 s
        #expect(proxy.counter("tcp.front.idle_timeout") == 1)
    }

    @Test func defaultIdleTimeoutIsOneHour() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.harness.advanceTime(by: .seconds(3599))
        #expect(proxy.downstream.state == .open)
        proxy.harness.advanceTime(by: .seconds(1))
        #expect(proxy.downstream.state == .closed)
    }

    @Test func zeroIdleTimeoutDisablesIt() throws {
        let proxy = try ProxyFixture(config: Self.config(idle: .seconds(0)))
        proxy.upstreamConnects()
        proxy.harness.advanceTime(by: .hours(48))
        #expect(proxy.downstream.state == .open)
        #expect(proxy.counter("tcp.front.idle_timeout") == 0)
    }

    @Test func maxDownstreamConnectionDurationClosesEvenABusyConnection() throws {
        let proxy = try ProxyFixture(config: Self.config(maxDuration: .seconds(5)))
        proxy.upstreamConnects()
        for _ in 0..<4 {
            proxy.harness.advanceTime(by: .seconds(1))
            proxy.harness.receive("tick")
        }
        #expect(proxy.downstream.state == .open)
        proxy.harness.advanceTime(by: .seconds(1))
        #expect(proxy.downstream.state == .closed)
        #expect(proxy.upstreamTransport?.closeMode == .immediately)
        #expect(proxy.counter("tcp.front.max_downstream_connection_duration") == 1)
        #expect(proxy.counter("tcp.front.idle_timeout") == 0)
    }

    @Test func maxDurationCountsFromAcceptEvenWhileConnecting() throws {
        let proxy = try ProxyFixture(config: Self.config(maxDuration: .seconds(2)))
        proxy.harness.advanceTime(by: .seconds(2))
        #expect(proxy.downstream.state == .closed)
        #expect(proxy.cluster().attempts.first?.isCancelled == true)
        #expect(proxy.counter("tcp.front.max_downstream_connection_duration") == 1)
    }

    @Test func noTimerFiresAfterTheConnectionClosed() throws {
        let proxy = try ProxyFixture(config: Self.config(idle: .seconds(1), maxDuration: .seconds(2)))
        proxy.upstreamConnects()
        proxy.upstreamCloses()
        proxy.harness.advanceTime(by: .seconds(10))
        #expect(proxy.counter("tcp.front.idle_timeout") == 0)
        #expect(proxy.counter("tcp.front.max_downstream_connection_duration") == 0)
    }
}
