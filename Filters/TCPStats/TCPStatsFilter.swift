import NIOCore
import Relay

/// Istio's TCP metrics for one connection: a timer every `tcp_reporting_duration` reports
/// opened (once, when the peer is known) and byte deltas; the close reports the rest and
/// closed. Labels are computed once, at the first report, and frozen.
///
/// Bytes are the connection's application bytes as the terminal filter counts them
/// (`StreamInfo.bytesReceived` / `bytesSent`): after metadata-exchange framing, before TLS.
///
/// - Note: Per connection; confined to its event loop.
final class TCPStatsFilter: ReadFilter, ConnectionCallbacks {
    private let shared: TCPStatsShared
    private var connection: NetworkConnection!
    private var reporter = TCPConnectionReporter()
    private var timer: DispatcherTimer?

    init(shared: TCPStatsShared) {
        self.shared = shared
    }

    func initialize(callbacks: any ReadFilterCallbacks) {
        connection = callbacks.connection
        connection.addConnectionCallbacks(self)
    }

    func onNewConnection() -> FilterStatus {
        scheduleTick()
        return .continue
    }

    func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        .continue
    }

    func onEvent(_ event: ConnectionEvent) {
        guard event == .localClose || event == .remoteClose else { return }
        timer?.cancel()
        timer = nil
        if let report = reporter.close(totals: totals, labels: makeLabels) {
            shared.record(report)
        }
    }

    private func scheduleTick() {
        guard let interval = shared.config.periodicReportingInterval else { return }
        timer = connection.dispatcher.schedule(after: TimeAmount(interval)) { [weak self] in self?.tick() }
    }

    private func tick() {
        guard connection.state == .open else { return }
        if let report = reporter.tick(totals: totals, peerResolved: peerResolved, labels: makeLabels) {
            shared.record(report)
        }
        scheduleTick()
    }

    private var totals: TCPConnectionReporter.ByteTotals {
        TCPConnectionReporter.ByteTotals(sent: connection.streamInfo.bytesSent, received: connection.streamInfo.bytesReceived)
    }

    private var peerResolved: Bool {
        switch shared.reporter {
        case .destination, .waypoint:
            return connection.filterState.contains(.downstreamPeer)
        case .source:
            return connection.streamInfo.upstreamFilterState?.contains(.upstreamPeer) ?? false
        }
    }

    private func makeLabels() -> TCPStatsLabels {
        TCPStatsLabels(input: labelInput(), config: shared.config)
    }

    private func labelInput() -> TCPStatsLabelInput {
        let info = connection.streamInfo
        let service = info.upstreamCluster.flatMap { cluster -> TCPStatsServiceMetadata? in
            guard let first = cluster.metadata["istio"]?["services"]?[0] else { return nil }
            return TCPStatsServiceMetadata(
                host: first["host"]?.stringValue,
                name: first["name"]?.stringValue,
                namespace: first["namespace"]?.stringValue
            )
        }
        return TCPStatsLabelInput(
            reporter: shared.reporter,
            localNode: shared.localWorkload,
            localNodeMetadata: shared.localNodeMetadata,
            downstreamPeer: connection.filterState[.downstreamPeer],
            upstreamPeer: info.upstreamFilterState?[.upstreamPeer],
            downstreamTLS: connection.tls.map(Self.identity),
            upstreamTLS: info.upstreamTLS.map(Self.identity),
            upstreamClusterName: info.upstreamCluster?.name,
            upstreamService: service,
            upstreamEndpointWorkload: info.upstreamHost?.metadata["istio"]?["workload"]?.stringValue,
            responseFlags: info.responseFlags.description,
            downstreamRemoteAddress: connection.remoteAddress,
            downstreamLocalAddress: connection.localAddress,
            upstreamHostAddress: info.upstreamHost?.address,
            requestedServerName: connection.requestedServerName
        )
    }

    private static func identity(_ tls: TLSConnectionInfo) -> TCPStatsTLSIdentity {
        TCPStatsTLSIdentity(
            peerURISANs: tls.peerURISANs,
            localURISANs: tls.localURISANs,
            peerCertificatePresented: tls.peerCertificatePresented
        )
    }
}

@available(*, unavailable)
extension TCPStatsFilter: Sendable {}
