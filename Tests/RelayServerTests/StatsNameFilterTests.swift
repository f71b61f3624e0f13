import Testing

@testable import RelayServer

/// `/stats?filter=`: RE2 syntax, partial match, linear-time evaluation, refused when too large.
@Suite struct StatsNameFilterTests {
    func matches(_ pattern: String, _ name: String) throws -> Bool {
        try StatsNameFilter(pattern).matches(name)
    }

    @Test func partialMatchWithEnvoysRE2Forms() throws {
        #expect(try matches("server", "server.live"))
        #expect(try matches("^cluster\\.backend\\.", "cluster.backend.upstream_cx_total"))
        #expect(try !matches("^cluster\\.backend\\.", "tcp.cluster.backend.x"))
        #expect(try matches("^server.concurrency$", "server.concurrency"))
        #expect(try !matches("^server.concurrency$", "server.concurrency_x"))
        #expect(try matches("listener\\.\\d+\\.\\d+", "listener.127.0.0.1_80.downstream_cx_total"))
        #expect(try matches("(?:upstream|downstream)_cx_total$", "tcp.front.downstream_cx_total"))
        #expect(try matches("cx_.*?total", "tcp.front.downstream_cx_total"))
        #expect(try matches("\\w+\\.front", "tcp.front.x"))
        #expect(try !matches("\\s", "tcp.front.x"))
        #expect(try matches("[\\d.]+_80", "listener.127.0.0.1_80.x"))
        #expect(try matches("x{2,3}", "axxb"))
        #expect(try !matches("ax{2,3}?b", "ab"))
        #expect(try matches("a{b", "a{b"))
    }

    @Test(arguments: ["(", "a\\1", "(?i)server", "(?P<n>x)", "a{1001}", "((a{1000}){1000})", "[a", "\\p{L}"])
    func refused(_ pattern: String) {
        #expect(throws: StatsNameFilter.Invalid.self) { try StatsNameFilter(pattern) }
    }

    @Test func patternLengthIsCapped() {
        #expect(throws: StatsNameFilter.Invalid.self) { try StatsNameFilter(String(repeating: "a", count: 2000)) }
    }

    /// Catastrophic for a backtracking engine (minutes for a few hundred names); linear here.
    @Test(arguments: ["(.*)(.*)(.*)(.*)(.*)(.*)(.*)(.*)x", "(a|aa)*b", "(a*)*b", "((a+)+)+b", "(.*a){20}"])
    func hostilePatternsFinishQuickly(_ pattern: String) throws {
        let filter = try StatsNameFilter(pattern)
        let names = (0..<500).map { "cluster.backend_\($0).upstream_cx_" + String(repeating: "a", count: 200) }
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for name in names { _ = filter.matches(name) }
        }
        #expect(elapsed < .seconds(5), "\(pattern): \(elapsed)")
    }
}
