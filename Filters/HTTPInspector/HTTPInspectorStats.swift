import Relay

/// Envoy's `http_inspector.*` counters.
struct HTTPInspectorStats: Sendable {
    /// `read_error`: no verdict within the inspect limit (the socket is closed).
    let readError: Counter
    /// `http10_found`.
    let http10Found: Counter
    /// `http11_found`.
    let http11Found: Counter
    /// `http2_found` (the h2c preface).
    let http2Found: Counter
    /// `http_not_found`.
    let httpNotFound: Counter

    init(scope: StatsScope) {
        readError = scope.counter("read_error")
        http10Found = scope.counter("http10_found")
        http11Found = scope.counter("http11_found")
        http2Found = scope.counter("http2_found")
        httpNotFound = scope.counter("http_not_found")
    }
}
