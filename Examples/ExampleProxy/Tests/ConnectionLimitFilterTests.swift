import ExampleFilters
import NIOCore
import Relay
import RelayTestKit
import Testing

/// The example filter, tested the way a filter author would: with the test kit, no sockets.
@Suite struct ConnectionLimitFilterTests {
    func prepare(max: Int, refusal: String? = nil) throws -> (ConnectionLimitFilter.Shared, StatsStore) {
        let store = StatsStore()
        let context = FactoryContext.testing(stats: store)
        let config = ConnectionLimitFilter.Config(statPrefix: "db", maxConnections: max, refusalMessage: refusal)
        return (try ConnectionLimitFilter.Factory().prepare(config, context: context), store)
    }

    func connect(_ shared: ConnectionLimitFilter.Shared) -> FilterHarness {
        FilterHarness { chain in ConnectionLimitFilter.Factory().makeFilters(shared, into: &chain) }
    }

    @Test func admitsUpToTheLimitThenRefuses() throws {
        let (shared, store) = try prepare(max: 2, refusal: "busy")
        let first = connect(shared)
        let second = connect(shared)
        let third = connect(shared)
        first.receive("a")
        #expect(first.forwardedString == "a")
        #expect(second.connection.state == .open)
        #expect(third.writtenString == "busy\n")
        #expect(third.events.contains(.localClose))
        #expect(store.existingCounter("connection_limit.db.limited_connections")?.value == 1)
        #expect(store.existingGauge("connection_limit.db.active_connections")?.value == 2)
    }

    @Test func aClosedConnectionFreesItsSlot() throws {
        let (shared, store) = try prepare(max: 1)
        let first = connect(shared)
        first.receiveEndOfStream()
        #expect(first.events.contains(.remoteClose))
        let second = connect(shared)
        #expect(second.connection.state == .open)
        #expect(store.existingCounter("connection_limit.db.limited_connections")?.value ?? 0 == 0)
    }

    @Test func rejectsANonPositiveLimit() {
        #expect(throws: FilterConfigError.self) { try prepare(max: 0) }
    }
}
