import NIOCore
import Relay
import RelayTestKit
import Testing

/// Typed per-connection filter state, against spec §1.5.
@Suite("FilterState")
struct FilterStateTests {
    private static let cluster = FilterStateKey<String>("envoy.tcp_proxy.cluster")
    private static let idleTimeout = FilterStateKey<Int>("envoy.tcp_proxy.per_connection_idle_timeout_ms")
    private static let sni = FilterStateKey<String>("envoy.network.upstream_server_name")

    /// A reference-typed value, to check sharing keeps identity.
    final class Peer {
        let name: String
        init(_ name: String) { self.name = name }
    }

    private static let peer = FilterStateKey<Peer>("downstream_peer")

    @Test("a stored value reads back by its typed key")
    func setAndGet() throws {
        let state = FilterState()
        #expect(state[Self.cluster] == nil)
        #expect(!state.contains(Self.cluster))
        try state.set(Self.cluster, "backend")
        #expect(state[Self.cluster] == "backend")
        #expect(state.contains(Self.cluster))
    }

    @Test("values are read-only by default: a second write throws and the first value stays")
    func readOnlyByDefault() throws {
        let state = FilterState()
        try state.set(Self.cluster, "first")
        #expect(throws: FilterStateError.readOnly("envoy.tcp_proxy.cluster")) {
            try state.set(Self.cluster, "second")
        }
        #expect(throws: FilterStateError.readOnly("envoy.tcp_proxy.cluster")) {
            try state.set(Self.cluster, "second", mutability: .mutable)
        }
        #expect(state[Self.cluster] == "first")
    }

    @Test("mutable values can be replaced")
    func mutableReplaced() throws {
        let state = FilterState()
        try state.set(Self.idleTimeout, 1000, mutability: .mutable)
        try state.set(Self.idleTimeout, 2000, mutability: .mutable)
        #expect(state[Self.idleTimeout] == 2000)
    }

    @Test("keys are compared by name: two key values with one name share the slot")
    func keysByName() throws {
        let state = FilterState()
        try state.set(FilterStateKey<String>("shared.name"), "v")
        #expect(state[FilterStateKey<String>("shared.name")] == "v")
        #expect(FilterStateKey<String>("a") == FilterStateKey<String>("a"))
        #expect(FilterStateKey<String>("a").description == "a")
    }

    @Test("reading with the wrong value type yields nil, but the slot is still taken")
    func wrongTypeIsNil() throws {
        let state = FilterState()
        try state.set(Self.cluster, "backend")
        let sameNameInt = FilterStateKey<Int>("envoy.tcp_proxy.cluster")
        #expect(state[sameNameInt] == nil)
        #expect(state.contains(sameNameInt))
    }

    @Test("keyNames lists every stored key, sorted")
    func keyNamesSorted() throws {
        let state = FilterState()
        try state.set(Self.sni, "example.com")
        try state.set(Self.cluster, "backend")
        try state.set(Self.idleTimeout, 5, mutability: .mutable)
        #expect(state.keyNames == [
            "envoy.network.upstream_server_name",
            "envoy.tcp_proxy.cluster",
            "envoy.tcp_proxy.per_connection_idle_timeout_ms",
        ])
    }

    @Test("copyShared copies only values shared with upstream, by reference")
    func copyShared() throws {
        let downstream = FilterState()
        let peer = Peer("productpage")
        try downstream.set(Self.peer, peer, sharing: .sharedWithUpstream)
        try downstream.set(Self.sni, "example.com", sharing: .sharedWithUpstream)
        try downstream.set(Self.cluster, "backend")

        let upstream = FilterState()
        downstream.copyShared(into: upstream)
        #expect(upstream[Self.peer] === peer)
        #expect(upstream[Self.sni] == "example.com")
        #expect(!upstream.contains(Self.cluster))
        #expect(upstream.keyNames == ["downstream_peer", "envoy.network.upstream_server_name"])
    }

    @Test("a shared value keeps its mutability on the upstream side")
    func sharedKeepsMutability() throws {
        let downstream = FilterState()
        try downstream.set(Self.sni, "a.example.com", sharing: .sharedWithUpstream)
        try downstream.set(Self.idleTimeout, 1, mutability: .mutable, sharing: .sharedWithUpstream)
        let upstream = FilterState()
        downstream.copyShared(into: upstream)
        #expect(throws: FilterStateError.readOnly("envoy.network.upstream_server_name")) {
            try upstream.set(Self.sni, "b.example.com")
        }
        try upstream.set(Self.idleTimeout, 2, mutability: .mutable)
        #expect(upstream[Self.idleTimeout] == 2)
        // The downstream copy is unaffected by the upstream replacement.
        #expect(downstream[Self.idleTimeout] == 1)
    }

    @Test("the connection's filter state is its stream info's, visible to every filter")
    func connectionFilterState() throws {
        let log = CallLog()
        let a = ScriptedReadFilter("A", log: log)
        let b = ScriptedReadFilter("B", log: log)
        let harness = FilterHarness { chain in
            chain.addReadFilter(a)
            chain.addReadFilter(b)
        }
        #expect(harness.connection.filterState === harness.connection.streamInfo.filterState)
        try #require(a.callbacks).connection.filterState.set(Self.cluster, "from-A")
        #expect(try #require(b.callbacks).connection.filterState[Self.cluster] == "from-A")
    }

    @Test("a filter may set filter state in initialize, before later filters' onNewConnection")
    func setInInitialize() {
        final class Setter: ReadFilter {
            func initialize(callbacks: any ReadFilterCallbacks) {
                try? callbacks.connection.filterState.set(FilterStateKey<Bool>("envoy.tcp_proxy.receive_before_connect"), true)
            }
            func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus { .continue }
        }
        final class Reader: ReadFilter {
            var seen: Bool?
            var connection: NetworkConnection?
            func initialize(callbacks: any ReadFilterCallbacks) { connection = callbacks.connection }
            func onNewConnection() -> FilterStatus {
                seen = connection?.filterState[FilterStateKey<Bool>("envoy.tcp_proxy.receive_before_connect")]
                return .continue
            }
            func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus { .continue }
        }
        let reader = Reader()
        _ = FilterHarness { chain in
            chain.addReadFilter(Setter())
            chain.addReadFilter(reader)
        }
        #expect(reader.seen == true)
    }
}
