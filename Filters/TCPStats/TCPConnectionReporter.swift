import IstioPeer
/// The per-connection reporting schedule of Istio's TCP metrics, as a pure state machine.
///
/// The stats filter owns one per connection and drives it:
/// - on each reporting tick (every ``TCPStatsConfig/periodicReportingInterval``; no ticks when
///   it is `nil`) it calls ``tick(totals:peerResolved:labels:)`` with the connection's
///   downstream byte totals and whether the peer is resolved (the reporter's
///   ``TCPStatsReporter/peerKey`` is present in filter state, found or not-found);
/// - on close (local or remote) it calls ``close(totals:labels:)``;
/// - it records the returned ``Report/samples``.
///
/// Schedule (Istio's native filter):
/// - nothing is reported before the peer is resolved;
/// - at the first tick with the peer resolved, or at close, whichever comes first, the labels are
///   computed — exactly once; the `labels` closure is not called again — and `opened` +1 is
///   reported;
/// - from then on, each tick reports the byte deltas since the previous report (even when zero);
/// - close reports the final byte deltas and `closed` +1. Later calls report nothing.
///
/// Byte totals are cumulative; a total lower than the previous one reports a delta of 0.
public struct TCPConnectionReporter {
    /// A connection's cumulative downstream byte counts.
    public struct ByteTotals: Hashable, Sendable {
        /// Bytes sent to the downstream.
        public var sent: UInt64
        /// Bytes received from the downstream.
        public var received: UInt64

        /// Creates totals.
        public init(sent: UInt64, received: UInt64) {
            self.sent = sent
            self.received = received
        }
    }

    /// What one tick or close reports.
    public struct Report: Hashable, Sendable {
        /// The connection's frozen labels.
        public var labels: TCPStatsLabels
        /// The increments, in Istio's order: opened, sent bytes, received bytes, closed.
        public var events: [TCPStatsEvent]

        /// The increments with their metrics' tags; dropped metrics are left out.
        public var samples: [TCPStatsSample] { labels.samples(for: events) }
    }

    /// The labels, once computed (at the first report).
    public private(set) var labels: TCPStatsLabels?
    /// Whether a tick has seen the peer resolved (it stays resolved).
    public private(set) var peerResolved = false
    /// Whether ``close(totals:labels:)`` has run.
    public private(set) var isClosed = false
    private var reported = ByteTotals(sent: 0, received: 0)

    /// Creates the state of a new connection.
    public init() {}

    /// A periodic tick. Returns `nil` when there is nothing to report (peer not yet resolved,
    /// or the connection already closed).
    public mutating func tick(
        totals: ByteTotals,
        peerResolved resolvedNow: Bool,
        labels makeLabels: () -> TCPStatsLabels
    ) -> Report? {
        guard !isClosed else { return nil }
        if resolvedNow { peerResolved = true }
        guard peerResolved else { return nil }
        return report(totals: totals, makeLabels: makeLabels, closing: false)
    }

    /// The connection closed. Returns `nil` only if it was already closed.
    public mutating func close(totals: ByteTotals, labels makeLabels: () -> TCPStatsLabels) -> Report? {
        guard !isClosed else { return nil }
        isClosed = true
        return report(totals: totals, makeLabels: makeLabels, closing: true)
    }

    private mutating func report(totals: ByteTotals, makeLabels: () -> TCPStatsLabels, closing: Bool) -> Report {
        var events: [TCPStatsEvent] = []
        let frozen: TCPStatsLabels
        if let labels {
            frozen = labels
        } else {
            frozen = makeLabels()
            labels = frozen
            events.append(.opened)
        }
        let sent = totals.sent >= reported.sent ? totals.sent - reported.sent : 0
        let received = totals.received >= reported.received ? totals.received - reported.received : 0
        reported = ByteTotals(sent: max(totals.sent, reported.sent), received: max(totals.received, reported.received))
        events.append(.sentBytes(sent))
        events.append(.receivedBytes(received))
        if closing { events.append(.closed) }
        return Report(labels: frozen, events: events)
    }
}

@available(*, unavailable)
extension TCPConnectionReporter: Sendable {}
