import NIOCore
import NIOHTTP1
import Relay

/// What the admin endpoints read and trigger. Built by the server; shared by admin
/// connections.
struct AdminContext: Sendable {
    let stats: StatsStore
    let state: ServerState
    let configDumpJSON: @Sendable () -> String
    let serverInfoJSON: @Sendable () -> String
    let listenersText: @Sendable (_ json: Bool) -> String
    let clustersText: @Sendable (_ json: Bool) -> String
    let quit: @Sendable () -> Void
    let drainListeners: @Sendable (_ inboundOnly: Bool, _ graceful: Bool) -> Void
}

/// One admin HTTP/1.1 connection: Envoy's admin endpoints (`/stats`, `/stats/prometheus`,
/// `/ready`, `/server_info`, `/config_dump`, `/listeners`, `/clusters`, `/healthcheck/*`,
/// `/drain_listeners`, `/quitquitquit`). Mutations require POST; bad requests get 4xx.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let admin: AdminContext
    private var head: HTTPRequestHead?

    init(admin: AdminContext) {
        self.admin = admin
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let response = route(head)
            respond(context: context, head: head, response: response)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Malformed HTTP: answer 400 if we still can, then close.
        let response = AdminResponse(status: .badRequest, body: "bad request\n")
        let headers = HTTPHeaders([("content-type", response.contentType), ("content-length", "\(response.body.utf8.count)")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, response: AdminResponse) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: "\(response.body.utf8.count)")
        headers.add(name: "cache-control", value: "no-cache, max-age=0")
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
        if let after = response.afterSend {
            done.whenComplete { _ in after() }
        }
    }

    func route(_ head: HTTPRequestHead) -> AdminResponse {
        let (path, query) = AdminQuery.split(head.uri)
        let isPost = head.method == .POST
        let isRead = head.method == .GET || head.method == .HEAD
        func needsPost() -> AdminResponse {
            AdminResponse(status: .badRequest, body: "This endpoint requires POST\n")
        }
        switch path {
        case "/", "/help":
            guard isRead else { return AdminResponse(status: .methodNotAllowed, body: "method not allowed\n") }
            return AdminResponse(body: Self.helpText)
        case "/stats":
            guard isRead else { return AdminResponse(status: .methodNotAllowed, body: "method not allowed\n") }
            return stats(query: query, format: query["format"])
        case "/stats/prometheus":
            guard isRead else { return AdminResponse(status: .methodNotAllowed, body: "method not allowed\n") }
            return stats(query: query, format: "prometheus")
        case "/ready":
            let state = admin.state.current
            return AdminResponse(status: state == .live ? .ok : .serviceUnavailable, body: state.name + "\n")
        case "/server_info":
            return AdminResponse(contentType: "application/json", body: admin.serverInfoJSON())
        case "/config_dump":
            return AdminResponse(contentType: "application/json", body: admin.configDumpJSON())
        case "/listeners":
            let json = query["format"] == "json"
            return AdminResponse(contentType: json ? "application/json" : "text/plain", body: admin.listenersText(json))
        case "/clusters":
            let json = query["format"] == "json"
            return AdminResponse(contentType: json ? "application/json" : "text/plain", body: admin.clustersText(json))
        case "/healthcheck/fail":
            guard isPost else { return needsPost() }
            admin.state.setHealthCheckFailed(true)
            return AdminResponse(body: "OK\n")
        case "/healthcheck/ok":
            guard isPost else { return needsPost() }
            admin.state.setHealthCheckFailed(false)
            return AdminResponse(body: "OK\n")
        case "/drain_listeners":
            guard isPost else { return needsPost() }
            let drain = admin.drainListeners
            let inbound = query["inboundonly"] != nil
            let graceful = query["graceful"] != nil
            return AdminResponse(body: "OK\n") { drain(inbound, graceful) }
        case "/quitquitquit":
            guard isPost else { return needsPost() }
            let quit = admin.quit
            return AdminResponse(body: "OK\n") { quit() }
        default:
            return AdminResponse(status: .notFound, body: "invalid path. admin commands are:\n" + Self.helpText)
        }
    }

    private func stats(query: [String: String], format: String?) -> AdminResponse {
        let parameters: AdminStatsQuery
        switch AdminStatsQuery.parse(query) {
        case .success(let parsed): parameters = parsed
        case .failure(let error): return AdminResponse(status: .badRequest, body: error.message)
        }
        admin.state.publish()
        let snapshot = admin.stats.snapshot()
        let exceeded = AdminStatsQuery.Flag()
        let matches = parameters.predicate(for: snapshot, exceeded: exceeded)
        let usedOnly = parameters.usedOnly
        var response: AdminResponse
        switch format {
        case nil, "text":
            response = AdminResponse(body: snapshot.renderText(usedOnly: usedOnly, filter: matches))
        case "json":
            response = AdminResponse(contentType: "application/json", body: snapshot.renderJSON(usedOnly: usedOnly, filter: matches))
        case "prometheus":
            // Envoy's exact output by default; `?naming=prometheus` gives the promtool-clean form.
            let naming: StatsSnapshot.PrometheusNaming =
                ["prometheus", "conventional"].contains(query["naming"] ?? "") ? .conventional : .envoy
            response = AdminResponse(
                contentType: "text/plain; version=0.0.4",
                body: snapshot.renderPrometheus(usedOnly: usedOnly, naming: naming, filter: matches)
            )
        default:
            return AdminResponse(status: .badRequest, body: "usage: /stats?format=(json|prometheus|text)\n")
        }
        if exceeded.value {
            response = AdminResponse(
                status: .badRequest,
                body: "filter evaluation exceeded its budget of \(AdminStatsQuery.evaluationBudget)\n"
            )
        }
        return response
    }

    static let helpText = """
        admin commands are:
          /: Admin home page
          /clusters: upstream cluster status
          /config_dump: dump current Relay configs
          /drain_listeners (POST): drain listeners
              graceful: When draining listeners, enter a graceful drain period (--drain-time-s) prior to closing listeners
              inboundonly: Drains all inbound listeners
          /healthcheck/fail (POST): cause the server to fail health checks
          /healthcheck/ok (POST): cause the server to pass health checks
          /help: print out list of admin commands
          /listeners: print listener info
          /quitquitquit (POST): exit the server
          /ready: print server state, return 200 if LIVE, otherwise return 503
          /server_info: print server version/status information
          /stats: print server stats
              usedonly: Only include stats that have been written by system since restart
              filter: Regular expression (Google re2 syntax) for filtering stats
              format: Format to use; One of (text, json, prometheus)
              type: Stat types to include; One of (All, Counters, Histograms, Gauges, TextReadouts)
          /stats/prometheus: print server stats in prometheus format
              usedonly, filter: as for /stats

        """
}

@available(*, unavailable)
extension AdminHandler: Sendable {}

/// A response from an admin endpoint.
struct AdminResponse {
    var status: HTTPResponseStatus = .ok
    var contentType = "text/plain; charset=UTF-8"
    var body: String
    var afterSend: (@Sendable () -> Void)?

    init(status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=UTF-8", body: String, afterSend: (@Sendable () -> Void)? = nil) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.afterSend = afterSend
    }
}

/// URL path and query parsing for admin requests.
enum AdminQuery {
    static func split(_ uri: String) -> (String, [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        let path = String(uri[..<mark])
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            // `=` alone or `=value` is an empty name, as Envoy reads it (the parts must not be
            // split with empty pieces omitted: `"=".split(separator: "=")` is empty).
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]))
            query[key] = parts.count > 1 ? percentDecode(String(parts[1])) : ""
        }
        return (path, query)
    }

    /// `%XX` (two hex digits) decoded and `+` as a space; any other `%` is kept as written.
    static func percentDecode(_ text: String) -> String {
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "%"), index + 2 < input.count,
                let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
