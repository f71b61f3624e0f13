import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One access-log line's facts, gathered from a connection when it ends.
public struct AccessLogRecord: Sendable {
    public var startEpochSeconds: Double
    public var durationMilliseconds: Int64
    public var bytesReceived: UInt64
    public var bytesSent: UInt64
    public var responseFlags: String
    public var upstreamHost: String
    public var upstreamCluster: String
    public var upstreamLocalAddress: String
    public var downstreamRemoteAddress: String
    public var downstreamLocalAddress: String
    public var requestedServerName: String
    public var connectionID: UInt64
    public var filterChainName: String
    public var responseCodeDetails: String
    public var connectionTerminationDetails: String
    public var downstreamTLSVersion: String
    public var downstreamPeerURISAN: String

    /// A socket refused before it became a connection (no filter chain matched).
    public init(
        refusedFrom remote: SocketAddress?,
        to local: SocketAddress?,
        requestedServerName: String,
        responseFlags: ResponseFlags,
        details: String
    ) {
        self.startEpochSeconds = Double(DispatchWallClock.nowNanoseconds()) / 1e9
        durationMilliseconds = 0
        bytesReceived = 0
        bytesSent = 0
        self.responseFlags = responseFlags.description
        upstreamHost = "-"
        upstreamCluster = "-"
        upstreamLocalAddress = "-"
        downstreamRemoteAddress = Self.render(remote)
        downstreamLocalAddress = Self.render(local)
        self.requestedServerName = requestedServerName.isEmpty ? "-" : requestedServerName
        connectionID = 0
        filterChainName = "-"
        responseCodeDetails = details
        connectionTerminationDetails = "-"
        downstreamTLSVersion = "-"
        downstreamPeerURISAN = "-"
    }

    static func render(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "-" }
        return address.protocol == .inet6 ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
    }

    /// The facts of `connection`, at the time of the call.
    public init(connection: NetworkConnection) {
        let info = connection.streamInfo
        let address = Self.render
        startEpochSeconds = info.startEpochSeconds
        durationMilliseconds = (connection.dispatcher.now - info.startTime).nanoseconds / 1_000_000
        bytesReceived = info.bytesReceived
        bytesSent = info.bytesSent
        responseFlags = info.responseFlags.description
        upstreamHost = info.upstreamHost.map { address($0.address) } ?? "-"
        upstreamCluster = info.upstreamCluster?.name ?? "-"
        upstreamLocalAddress = address(info.upstreamLocalAddress)
        downstreamRemoteAddress = address(connection.remoteAddress)
        downstreamLocalAddress = address(connection.localAddress)
        requestedServerName = connection.requestedServerName.isEmpty ? "-" : connection.requestedServerName
        connectionID = connection.id
        filterChainName = info.filterChainName.isEmpty ? "-" : info.filterChainName
        responseCodeDetails = info.responseCodeDetails ?? "-"
        connectionTerminationDetails = info.connectionTerminationDetails ?? "-"
        downstreamTLSVersion = connection.tls?.version ?? "-"
        downstreamPeerURISAN = connection.tls?.peerURISANs.first ?? "-"
    }
}

/// A compiled Envoy format string (`%BYTES_RECEIVED%`, `%START_TIME%` …). HTTP-only
/// operators (`%REQ(…)%`, `%RESP(…)%`, `%PROTOCOL%`) render `-` and `%RESPONSE_CODE%` `0`,
/// as Envoy does for TCP. An unknown operator is a config error.
public struct AccessLogFormat: Sendable, Hashable {
    /// Envoy's default format.
    public static let envoyDefault =
        "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n"

    enum Segment: Sendable, Hashable {
        case literal(String)
        case field(Field)
    }

    enum Field: String, Sendable, Hashable, CaseIterable {
        case startTime = "START_TIME"
        case duration = "DURATION"
        case bytesReceived = "BYTES_RECEIVED"
        case bytesSent = "BYTES_SENT"
        case responseFlags = "RESPONSE_FLAGS"
        case responseCode = "RESPONSE_CODE"
        case protocolName = "PROTOCOL"
        case upstreamHost = "UPSTREAM_HOST"
        case upstreamCluster = "UPSTREAM_CLUSTER"
        case upstreamLocalAddress = "UPSTREAM_LOCAL_ADDRESS"
        case downstreamRemoteAddress = "DOWNSTREAM_REMOTE_ADDRESS"
        case downstreamLocalAddress = "DOWNSTREAM_LOCAL_ADDRESS"
        case requestedServerName = "REQUESTED_SERVER_NAME"
        case connectionID = "CONNECTION_ID"
        case filterChainName = "FILTER_CHAIN_NAME"
        case responseCodeDetails = "RESPONSE_CODE_DETAILS"
        case connectionTerminationDetails = "CONNECTION_TERMINATION_DETAILS"
        case downstreamTLSVersion = "DOWNSTREAM_TLS_VERSION"
        case downstreamPeerURISAN = "DOWNSTREAM_PEER_URI_SAN"
        case httpOnly = "-"
    }

    let segments: [Segment]

    /// Compiles `format`.
    public init(_ format: String) throws {
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(format)
        while let percent = rest.firstIndex(of: "%") {
            literal += rest[..<percent]
            let after = rest.index(after: percent)
            guard let close = rest[after...].firstIndex(of: "%") else {
                throw FilterConfigError("unterminated command operator in access log format: '\(rest[percent...])'")
            }
            let token = String(rest[after..<close])
            rest = rest[rest.index(after: close)...]
            if token.isEmpty {
                literal += "%"
                continue
            }
            let base = token.split(separator: "(").first.map(String.init) ?? token
            let field: Field
            if base == "REQ" || base == "RESP" || base == "TRAILER" {
                field = .httpOnly
            } else if let known = Field(rawValue: base), known != .httpOnly {
                field = known
            } else {
                let known = Field.allCases.filter { $0 != .httpOnly }.map(\.rawValue).joined(separator: ", ")
                throw FilterConfigError("unknown access log command operator %\(token)%; supported: \(known), REQ(…), RESP(…)")
            }
            if !literal.isEmpty {
                segments.append(.literal(literal))
                literal = ""
            }
            segments.append(.field(field))
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    /// Renders one line.
    public func render(_ record: AccessLogRecord) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .field(let field): out += Self.value(field, record)
            }
        }
        return out
    }

    private static func value(_ field: Field, _ r: AccessLogRecord) -> String {
        switch field {
        case .startTime: return iso8601(r.startEpochSeconds)
        case .duration: return String(r.durationMilliseconds)
        case .bytesReceived: return String(r.bytesReceived)
        case .bytesSent: return String(r.bytesSent)
        case .responseFlags: return r.responseFlags
        case .responseCode: return "0"
        case .protocolName, .httpOnly: return "-"
        case .upstreamHost: return r.upstreamHost
        case .upstreamCluster: return r.upstreamCluster
        case .upstreamLocalAddress: return r.upstreamLocalAddress
        case .downstreamRemoteAddress: return r.downstreamRemoteAddress
        case .downstreamLocalAddress: return r.downstreamLocalAddress
        case .requestedServerName: return r.requestedServerName
        case .connectionID: return String(r.connectionID)
        case .filterChainName: return r.filterChainName
        case .responseCodeDetails: return r.responseCodeDetails
        case .connectionTerminationDetails: return r.connectionTerminationDetails
        case .downstreamTLSVersion: return r.downstreamTLSVersion
        case .downstreamPeerURISAN: return r.downstreamPeerURISAN
        }
    }

    /// `2026-11-25T07:40:07.123Z`, as Envoy's `%START_TIME%`.
    static func iso8601(_ epoch: Double) -> String {
        var seconds = time_t(epoch)
        let millis = Int((epoch - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}
