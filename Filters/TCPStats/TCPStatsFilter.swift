import IstioPeer
import NIOCore
import Relay

/// The per-connection half of the `istio.stats` network filter: reports one connection's
/// Istio TCP metrics on the schedule of ``TCPConnectionReporter``.
///
/// - On ``onNewConnection()``, if the config has a reporting interval, it arms a timer on the
///   connection's dispatcher that re-arms itself after every tick.
/// - Each tick asks whether the peer is resolved (the reporter's
///   ``TCPStatsReporter/peerKey`` is present: in the connection's filter state for
///   `destination`/`waypoint`, in `StreamInfo.upstreamFilterState` for `source`), reads the
///   byte totals from `StreamInfo` and, at the first report, computes the labels from the
///   connection as it is then.
/// - On the close event (local or remote) it cancels the timer and makes the final report.
///
/// It never touches the data: ``onData(_:endStream:)`` always continues. The bytes come from
/// `StreamInfo.bytesReceived`/`bytesSent`, which tcp_proxy updates as it moves data.
///
/// **Why the close report is synchronous.** The filter registers its connection callbacks in
/// ``initialize(callbacks:)``, so it hears the close event before tcp_proxy (which sits later in
/// the chain). That is still after the last byte was counted: the connection delivers buffered
/// bytes to the read filters before raising a remote close, tcp_proxy counts upstream bytes
/// as it writes them downstream (nothing arrives for a closed downstream), and tcp_proxy
/// does not touch the byte counts in its own close handling.
///
/// - Note: Confined to its connection's event loop.
public final class TCPStatsFilter: ReadFilter, ConnectionCallbacks {
    private let shared: TCPStatsFilter.Shared
    /// The connection whose filter manager owns this filter, so it outlives it. `unowned`, not
    /// `weak` (here and in the timer's closure): a weak reference gives its object a side table
    /// and slows down every retain and release of it on the data path.
    private unowned var connection: NetworkConnection?
    private var reporter = TCPConnectionReporter()
    private var timer: DispatcherTimer?
    /// The connection's counters, filled at its first report; its labels never change.
    private var counters: [TCPStatsMetric: Counter] = [:]

    /// Creates the filter of one connection.
    public init(shared: TCPStatsFilter.Shared) {
        self.shared = shared
    }

    /// The reporting timer refers to this filter `unowned`, so it must not fire after it.
    deinit {
        timer?.cancel()
    }

    /// The connection's frozen labels, once its first report happened.
    public var labels: TCPStatsLabels? { reporter.labels }

    /// Whether the final (close) report was made.
    public var hasReportedClose: Bool { reporter.isClosed }

    // MARK: - ReadFilter

    /// Registers for the connection's events.
    public func initialize(callbacks: any ReadFilterCallbacks) {
        connection = callbacks.connection
        callbacks.connection.addConnectionCallbacks(self)
    }

    /// Arms the reporting timer when periodic reporting is on.
    public func onNewConnection() -> FilterStatus {
        armTimer()
        return .continue
    }

    /// Passes the data on untouched.
    public func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        .continue
    }

    /// Write-buffer watermarks do not concern the stats filter (one implementation serves
    /// both `ReadFilter` and `ConnectionCallbacks`).
    public func onAboveWriteBufferHighWatermark() {}

    /// See ``onAboveWriteBufferHighWatermark()``.
    public func onBelowWriteBufferLowWatermark() {}

    // MARK: - ConnectionCallbacks

    /// Makes the final report on close.
    public func onEvent(_ event: ConnectionEvent) {
        switch event {
        case .connected:
            return
        case .localClose, .remoteClose:
            timer?.cancel()
            timer = nil
            guard let connection else { return }
            let totals = Self.totals(of: connection)
            if let report = reporter.close(totals: totals, labels: { self.computeLabels(connection) }) {
                record(report)
            }
        }
    }

    // MARK: - Reporting

    private func armTimer() {
        guard let interval = shared.reportingInterval, !reporter.isClosed, let connection,
            connection.state != .closed
        else { return }
        timer = connection.dispatcher.schedule(after: Self.timeAmount(interval)) { [unowned self] in
            self.tick()
        }
    }

    private func tick() {
        timer = nil
        guard let connection, connection.state != .closed, !reporter.isClosed else { return }
        let report = reporter.tick(
            totals: Self.totals(of: connection),
            peerResolved: isPeerResolved(connection),
            labels: { self.computeLabels(connection) }
        )
        if let report { record(report) }
        armTimer()
    }

    /// Istio's `peerInfoRead`: a found peer or a not-found marker under the reporter's key.
    private func isPeerResolved(_ connection: NetworkConnection) -> Bool {
        switch shared.reporter {
        case .destination, .waypoint:
            connection.filterState.contains(.downstreamPeer)
        case .source:
            connection.streamInfo.upstreamFilterState?.contains(.upstreamPeer) ?? false
        }
    }

    private func record(_ report: TCPConnectionReporter.Report) {
        for sample in report.samples {
            let counter: Counter
            if let cached = counters[sample.metric] {
                counter = cached
            } else {
                counter = shared.series.counter(for: sample.metric, tags: sample.tags)
                counters[sample.metric] = counter
            }
            counter.increment(by: sample.amount)
        }
    }

    private func computeLabels(_ connection: NetworkConnection) -> TCPStatsLabels {
        TCPStatsLabels(input: labelInput(connection), config: shared.config)
    }

    /// The label input from the connection as it is now.
    func labelInput(_ connection: NetworkConnection) -> TCPStatsLabelInput {
        let info = connection.streamInfo
        let cluster = info.upstreamCluster
        let host = info.upstreamHost
        return TCPStatsLabelInput(
            reporter: shared.reporter,
            localNode: shared.localNode,
            localNodeMetadata: shared.localNodeMetadata,
            downstreamPeer: connection.filterState[.downstreamPeer],
            upstreamPeer: info.upstreamFilterState?[.upstreamPeer],
            downstreamTLS: connection.tls.map(Self.identity(of:)),
            upstreamTLS: info.upstreamTLS.map(Self.identity(of:)),
            upstreamClusterName: cluster?.name,
            upstreamService: cluster.flatMap { Self.service(fromClusterMetadata: $0.metadata) },
            upstreamEndpointWorkload: host?.metadata["istio"]?["workload"]?.stringValue,
            responseFlags: info.responseFlags.description,
            downstreamRemoteAddress: connection.remoteAddress,
            downstreamLocalAddress: connection.localAddress,
            upstreamHostAddress: host?.address,
            requestedServerName: connection.requestedServerName,
            filterStateUpstreamPeer: connection.filterState[.upstreamPeer]
        )
    }

    // MARK: - Helpers

    static func totals(of connection: NetworkConnection) -> TCPConnectionReporter.ByteTotals {
        TCPConnectionReporter.ByteTotals(
            sent: connection.streamInfo.bytesSent,
            received: connection.streamInfo.bytesReceived
        )
    }

    static func identity(of tls: TLSConnectionInfo) -> TCPStatsTLSIdentity {
        TCPStatsTLSIdentity(
            peerURISANs: tls.peerURISANs,
            localURISANs: tls.localURISANs,
            peerCertificatePresented: tls.peerCertificatePresented
        )
    }

    /// `filter_metadata.istio.services[0]` of an upstream cluster, if it is an object.
    static func service(fromClusterMetadata metadata: [String: MetadataValue]) -> TCPStatsServiceMetadata? {
        guard let first = metadata["istio"]?["services"]?[0], let fields = first.objectValue else { return nil }
        return TCPStatsServiceMetadata(
            host: fields["host"]?.stringValue,
            name: fields["name"]?.stringValue,
            namespace: fields["namespace"]?.stringValue
        )
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .nanoseconds(.max) }
        let total = nanoseconds.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000)
        return .nanoseconds(total.overflow ? .max : max(total.partialValue, 1))
    }
}

@available(*, unavailable)
extension TCPStatsFilter: Sendable {}
