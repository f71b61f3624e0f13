/// The four standard Istio TCP metrics (all counters), and their names in each of Envoy's views.
///
/// Istio's native stats filter creates them as tagged stats in the custom stat namespace
/// `istiocustom`: the flat `/stats` name is `istiocustom.<metric>.<tag>.<value>…`, and the
/// Prometheus name is the bare `<metric>` (a registered custom namespace gets no `envoy_` prefix).
public enum TCPStatsMetric: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// `istio_tcp_connections_opened_total`: +1 at a connection's first report.
    case connectionsOpened = "istio_tcp_connections_opened_total"
    /// `istio_tcp_connections_closed_total`: +1 when the connection closes.
    case connectionsClosed = "istio_tcp_connections_closed_total"
    /// `istio_tcp_sent_bytes_total`: bytes sent to the downstream.
    case sentBytes = "istio_tcp_sent_bytes_total"
    /// `istio_tcp_received_bytes_total`: bytes received from the downstream.
    case receivedBytes = "istio_tcp_received_bytes_total"

    /// The custom stat namespace Istio registers for its metrics.
    public static let statNamespace = "istiocustom"

    /// The metric name as Prometheus shows it, e.g. `istio_tcp_sent_bytes_total`.
    public var prometheusName: String { rawValue }

    /// The name `stats.PluginConfig.metrics[].name` uses: without the `istio_` prefix,
    /// e.g. `tcp_sent_bytes_total`.
    public var configName: String { String(rawValue.dropFirst("istio_".count)) }

    /// The tag-extracted stat name, `istiocustom.<metric>`.
    public var statName: String { "\(Self.statNamespace).\(rawValue)" }

    /// A one-line help text for the Prometheus `# HELP` line.
    public var help: String {
        switch self {
        case .connectionsOpened: "Total TCP connections opened (counted at the connection's first report)."
        case .connectionsClosed: "Total TCP connections closed."
        case .sentBytes: "Total bytes sent to the downstream of TCP connections."
        case .receivedBytes: "Total bytes received from the downstream of TCP connections."
        }
    }

    /// Envoy's flat `/stats` name for this metric with `tags`:
    /// `istiocustom.<metric>.<tag>.<value>…`, in tag order.
    ///
    /// Envoy joins stat-name segments with `.` and an empty segment contributes nothing, so a tag
    /// whose value is empty appears as its name alone (`….source_app.source_version.v1…`).
    public func flatStatName(tags: [TCPStatsTag]) -> String {
        var name = statName
        for tag in tags {
            name += "." + tag.name
            if !tag.value.isEmpty {
                name += "." + tag.value
            }
        }
        return name
    }

    /// The standard metric with the given configuration name (`tcp_sent_bytes_total`), if it
    /// is one of the four TCP metrics.
    public init?(configName: String) {
        guard let metric = Self.allCases.first(where: { $0.configName == configName }) else { return nil }
        self = metric
    }

    /// `prometheusName`.
    public var description: String { rawValue }

    /// Every standard metric name Istio's stats filter knows (HTTP included), in config form.
    /// Config entries naming an HTTP metric are accepted and have no effect on TCP metrics.
    static let allStandardConfigNames: Set<String> = [
        "requests_total", "request_duration_milliseconds", "request_bytes", "response_bytes",
        "request_messages_total", "response_messages_total",
        "tcp_connections_opened_total", "tcp_connections_closed_total",
        "tcp_sent_bytes_total", "tcp_received_bytes_total",
    ]
}
