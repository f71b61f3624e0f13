import NIOCore
import NIOEmbedded
import Relay
import Testing

@testable import HTTPInspector

/// Envoy's http_inspector detection on byte prefixes, and the filter's effect on the socket
/// and its counters.
@Suite struct HTTPInspectorTests {
    typealias Detector = HTTPProtocolDetector

    func detect(_ text: String) -> Detector.Result { Detector.detect(ByteBuffer(string: text)) }
    func detect(_ bytes: [UInt8]) -> Detector.Result { Detector.detect(ByteBuffer(bytes: bytes)) }

    @Test func requestLinesAreRecognisedAtTheirEnd() {
        #expect(detect("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == .http11)
        #expect(detect("POST /upload HTTP/1.0\r\n") == .http10)
        #expect(detect("M-SEARCH * HTTP/1.1\n") == .http11)
        #expect(detect("GET / HTTP/2.0\r\n") == .http10, "other versions read as HTTP/1.0, as Envoy does")
        #expect(detect("GET / HTTP/1.1") == .needMoreData)
        #expect(detect("GET / HTTP/1.1\r") == .needMoreData)
        #expect(detect("GE") == .needMoreData)
        #expect(detect("GET /very/long/path") == .needMoreData)
    }

    @Test func anythingElseIsNotHTTPAsSoonAsItCannotBe() {
        #expect(detect("hello world") == .notHTTP)
        #expect(detect("get / HTTP/1.1\r\n") == .notHTTP, "methods are case-sensitive")
        #expect(detect("FETCH / HTTP/1.1\r\n") == .notHTTP, "unknown method")
        #expect(detect("GET  / HTTP/1.1\r\n") == .notHTTP, "empty target")
        #expect(detect("GET / HTTQ") == .notHTTP)
        #expect(detect("GET / HTTP/1.1x") == .notHTTP)
        #expect(detect("GET / HTTP/1.1\rx") == .notHTTP)
        #expect(detect("\r\nGET / HTTP/1.1\r\n") == .notHTTP)
        #expect(detect([0x16, 0x03, 0x01, 0x00]) == .notHTTP, "a TLS record")
    }

    @Test func theH2cPrefaceIsHTTP2() {
        let preface = Detector.http2Preface
        #expect(detect(preface + [0, 0, 0, 4]) == .http2)
        #expect(detect(preface) == .http2)
        #expect(detect(Array(preface.prefix(10))) == .needMoreData)
        #expect(detect("PRI * HTTP/2.0\r\n\r\nXX") == .notHTTP)
    }

    final class Callbacks: ListenerFilterCallbacks {
        let socket = AcceptedSocket(localAddress: nil, remoteAddress: nil)
        let filterState = FilterState()
        let dispatcher = Dispatcher(eventLoop: EmbeddedEventLoop())
        var rejected = false
        func continueFilterChain(success: Bool) {}
        func reject() { rejected = true }
    }

    @Test func theFilterSetsTheApplicationProtocolAndCounts() {
        let stats = StatsStore()
        let shared = HTTPInspectorFilter.Shared(stats: stats)
        for (payload, alpn, counter) in [
            ("GET / HTTP/1.1\r\n", ["http/1.1"], "http11_found"),
            ("GET / HTTP/1.0\r\n", ["http/1.0"], "http10_found"),
            ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ["h2c"], "http2_found"),
            ("hello", [], "http_not_found"),
        ] {
            let filter = HTTPInspectorFilter(shared: shared)
            let callbacks = Callbacks()
            #expect(filter.onAccept(callbacks) == .stopIteration)
            #expect(filter.maxReadBytes == 64 * 1024)
            #expect(filter.onData(ByteBuffer(string: payload)) == .continue)
            #expect(callbacks.socket.requestedApplicationProtocols == alpn)
            #expect(stats.existingCounter("http_inspector.\(counter)")?.value == 1)
        }
    }

    @Test func tlsIsSkippedAndAnUndecidedPrefixAtTheLimitIsAReadError() {
        let stats = StatsStore()
        let shared = HTTPInspectorFilter.Shared(stats: stats)
        let tls = Callbacks()
        tls.socket.detectedTransportProtocol = "tls"
        #expect(HTTPInspectorFilter(shared: shared).onAccept(tls) == .continue)

        let filter = HTTPInspectorFilter(shared: shared)
        let callbacks = Callbacks()
        _ = filter.onAccept(callbacks)
        let long = "GET /" + String(repeating: "a", count: 64 * 1024)
        #expect(filter.onData(ByteBuffer(string: long)) == .stopIteration)
        #expect(callbacks.rejected)
        #expect(stats.existingCounter("http_inspector.read_error")?.value == 1)
    }
}
