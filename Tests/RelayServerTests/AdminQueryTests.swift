import NIOHTTP1
import Relay
import Testing

@testable import RelayServer

/// The admin server's request-target parsing and `/stats` parameters, including inputs the
/// admin fuzz target (`Tests/Fuzz/run.sh admin`) found crashing; those inputs are also in
/// `Tests/Fuzz/Corpus/admin/`.
@Suite struct AdminQueryTests {
    static func context() -> AdminContext {
        let stats = StatsStore()
        stats.root.scope("cluster").scope("backend").counter("upstream_cx_total").increment()
        return AdminContext(
            stats: stats,
            state: ServerState(stats: stats, concurrency: 1),
            configDumpJSON: { "{}" },
            serverInfoJSON: { "{}" },
            listenersText: { _ in "" },
            clustersText: { _ in "" },
            quit: {},
            drainListeners: { _, _ in }
        )
    }

    func get(_ uri: String) -> AdminResponse {
        AdminHandler(admin: Self.context()).route(HTTPRequestHead(version: .http1_1, method: .GET, uri: uri))
    }

    @Test func queryParameters() {
        let (path, query) = AdminQuery.split("/stats?format=json&usedonly&filter=%5Ecluster%2E&a=b=c")
        #expect(path == "/stats")
        #expect(query == ["format": "json", "usedonly": "", "filter": "^cluster.", "a": "b=c"])
    }

    /// Fuzzer find: a parameter that is only `=` (an empty name) crashed the admin server
    /// (index out of range on the split parts). Envoy reads it as an empty name and value.
    @Test(arguments: ["/stats?=", "/stats?=&format=json", "/stats?==", "/stats?&&=x&"])
    func emptyParameterNames(_ uri: String) {
        let (path, query) = AdminQuery.split(uri)
        #expect(path == "/stats")
        #expect(query[""] != nil)
        #expect(get(uri).status == .ok)
    }

    /// A `%` not followed by two hex digits is kept as written (Envoy's percent-decoding), and
    /// a sign is not a hex digit.
    @Test func percentDecodingKeepsInvalidEscapes() {
        #expect(AdminQuery.percentDecode("%zz%41%4") == "%zzA%4")
        #expect(AdminQuery.percentDecode("%+1%-0") == "% 1%-0")  // the kept escape's `+` is still a space
        #expect(AdminQuery.percentDecode("a+b%2B") == "a b+")
        #expect(AdminQuery.percentDecode("%") == "%")
    }

    /// Fuzzer find: a repetition bound near `Int.max` in `filter=` overflowed while sizing the
    /// pattern (a trap in the admin server); it is refused with 400 like any bound over 1000.
    @Test(arguments: [
        "a{9223372036854775807,}", "a{9223372036854775807}", "a{1,9223372036854775807}",
        "a{99999999999999999999,}", "(a){9223372036854775806,9223372036854775807}",
    ])
    func hugeRepetitionBoundsAreRefused(_ pattern: String) {
        #expect(throws: StatsNameFilter.Invalid.self) { try StatsNameFilter(pattern) }
        #expect(get("/stats?filter=" + pattern).status == .badRequest)
    }
}
