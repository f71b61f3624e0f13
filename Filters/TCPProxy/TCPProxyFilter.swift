import NIOCore
import Relay

/// tcp_proxy for one downstream connection: connects upstream on the same event loop and
/// moves bytes both ways, with half-close passed through, backpressure both ways, close
/// propagation, retries, idle timeout and maximum duration (Envoy's `TcpProxy::Filter`).
///
/// While the upstream connects (Envoy's default), reading from the downstream is disabled; bytes
/// that arrive meanwhile wait in the connection's read buffer (bounded by its watermarks).
/// Unlike Envoy, which disables reading as soon as the filter is added, Relay disables it when
/// iteration reaches tcp_proxy (`onNewConnection`): a filter in front that stops in its own
/// `onNewConnection` (to sniff the first bytes and pick the cluster) can still read.
///
/// With `envoy.tcp_proxy.receive_before_connect` set in filter state (or `max_early_data_bytes`
/// configured), reading stays on while connecting: tcp_proxy takes what it is given into its
/// own buffer, disables reading once that reaches the limit (the config's, else the
/// connection's buffer limit), and forwards it, with a FIN if one came, when the upstream is
/// ready. Whatever reaches tcp_proxy's `onData` before the upstream exists, in either mode
/// (a filter in front calling `continueReading()`), is held the same way, so bytes and end of
/// stream are never stranded.
///
/// - Note: Per connection; confined to its event loop.
public final class TCPProxyFilter: ReadFilter, ConnectionCallbacks, UpstreamConnectCallbacks {
    private let config: TCPProxyFilter.Shared
    private var callbacks: (any ReadFilterCallbacks)!
    private var downstream: NetworkConnection { callbacks.connection }
    private var cluster: (any UpstreamCluster)?
    private var pendingConnect: (any UpstreamConnectHandle)?
    private var attempts = 0
    private(set) var upstream: NetworkConnection?
    private var bridge: UpstreamBridge?
    private var idle: IdleTimeout?
    private var durationTimer: DispatcherTimer?
    private var finished = false
    private var liveObject: LiveObjectToken?
    /// Reading stays on while connecting (`receive_before_connect`).
    private var receiveBeforeConnect = false
    /// Held bytes that disable reading while connecting (nil: no limit).
    private var earlyDataLimit: Int?
    /// Bytes (and a FIN) handed to tcp_proxy before the upstream was ready.
    private var earlyData = ByteBuffer()
    private var earlyEndStream = false
    /// The read-disable taken in `onNewConnection` (default mode) and for a full early buffer.
    private var readDisabledUntilConnected = false
    private var readDisabledForEarlyData = false

    init(config: TCPProxyFilter.Shared) {
        self.config = config
    }

    /// Timers and the upstream bridge refer to this filter `unowned` (a weak reference would
    /// give it a side table and slow down every retain and release of it on the data path);
    /// none of them outlives it: the timers are cancelled and the bridge detached here (the idle
    /// timer holds its `IdleTimeout` until it is cancelled).
    deinit {
        idle?.cancel()
        durationTimer?.cancel()
        bridge?.detach()
    }

    public func initialize(callbacks: any ReadFilterCallbacks) {
        self.callbacks = callbacks
        let connection = callbacks.connection
        liveObject = LiveObjectToken(.tcpProxyFilter, on: connection.dispatcher.eventLoop)
        connection.addConnectionCallbacks(self)
        connection.isHalfCloseEnabled = true
        config.stats.downstreamConnectionsTotal.increment()
    }

    public func onNewConnection() -> FilterStatus {
        if let limit = config.maxEarlyDataBytes {
            receiveBeforeConnect = true
            earlyDataLimit = limit
        } else if downstream.filterState[.tcpProxyReceiveBeforeConnect] == true {
            receiveBeforeConnect = true
            earlyDataLimit = downstream.bufferLimit > 0 ? downstream.bufferLimit : nil
        }
        if !receiveBeforeConnect {
            // No upstream to write to yet: stop reading until there is one.
            readDisabledUntilConnected = true
            downstream.readDisable(true)
        }
        guard let cluster = config.pickCluster(filterState: downstream.filterState) else {
            config.stats.downstreamNoRoute.increment()
            downstream.streamInfo.responseFlags.insert(.noRoute)
            downstream.streamInfo.responseCodeDetails = "tcp_proxy_no_route"
            downstream.close(.noFlush)
            return .stopIteration
        }
        self.cluster = cluster
        downstream.streamInfo.upstreamCluster = cluster.info
        if let limit = config.maxDownstreamConnectionDuration {
            durationTimer = downstream.dispatcher.schedule(after: limit) { [unowned self] in
                guard !self.finished else { return }
                self.config.stats.maxDownstreamConnectionDuration.increment()
                self.downstream.close(.noFlush)
            }
        }
        connectUpstream()
        // Continue: bytes already read in this pass are held until the upstream is ready.
        return downstream.state == .open ? .continue : .stopIteration
    }

    private func connectUpstream() {
        guard let cluster, !finished else { return }
        attempts += 1
        switch cluster.connect(from: downstream, callbacks: self) {
        case .started(let handle):
            pendingConnect = handle
        case .overflow:
            downstream.streamInfo.responseFlags.insert(.upstreamOverflow)
            downstream.close(.noFlush)
        case .noHealthyHost:
            downstream.streamInfo.responseFlags.insert(.noHealthyUpstream)
            downstream.close(.noFlush)
        }
    }

    // MARK: - Upstream connect results

    public func upstreamFailed(_ reason: UpstreamFailureReason, host: HostDescription?) {
        pendingConnect = nil
        guard !finished, downstream.state == .open else { return }
        if attempts < config.maxConnectAttempts {
            connectUpstream()
            return
        }
        if config.maxConnectAttempts > 1 {
            cluster?.info.stats.upstreamConnectAttemptsExceeded.increment()
            downstream.streamInfo.responseFlags.insert(.upstreamRetryLimitExceeded)
        }
        downstream.streamInfo.responseFlags.insert(.upstreamConnectionFailure)
        downstream.streamInfo.upstreamHost = host
        downstream.close(.noFlush)
    }

    public func upstreamReady(_ connection: NetworkConnection, host: HostDescription) {
        pendingConnect = nil
        guard !finished, downstream.state == .open else {
            connection.close(.noFlush)
            return
        }
        upstream = connection
        let bridge = UpstreamBridge(proxy: self)
        self.bridge = bridge
        connection.isHalfCloseEnabled = true
        connection.addReadFilter(bridge)
        connection.addConnectionCallbacks(bridge)
        connection.initializeReadFilters()

        let info = downstream.streamInfo
        info.upstreamHost = host
        info.upstreamFilterState = connection.filterState
        info.upstreamTLS = connection.tls
        info.upstreamLocalAddress = connection.localAddress

        if let timeout = config.idleTimeout {
            idle = IdleTimeout(dispatcher: downstream.dispatcher, timeout: timeout, owner: self)
        }
        // Sets the chain's upstreamHost and tells the filters in front.
        callbacks.notifyUpstreamReady(host: host)
        guard !finished, downstream.state == .open else { return }
        if earlyData.readableBytes > 0 || earlyEndStream {
            let held = earlyData
            earlyData = ByteBuffer()
            forward(held, endStream: earlyEndStream, to: connection)
        }
        // Reading resumes; bytes still in the read buffer (and a FIN not yet delivered) are
        // re-dispatched from the first filter on the next loop turn.
        if readDisabledForEarlyData {
            readDisabledForEarlyData = false
            downstream.readDisable(false)
        }
        if readDisabledUntilConnected {
            readDisabledUntilConnected = false
            downstream.readDisable(false)
        }
    }

    // MARK: - Data

    public func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        guard let upstream else {
            holdUntilConnected(&data, endStream: endStream)
            return .stopIteration
        }
        forward(data, endStream: endStream, to: upstream)
        data.moveReaderIndex(forwardBy: data.readableBytes)
        return .stopIteration
    }

    /// Takes bytes given before the upstream exists; they go out when it is ready.
    private func holdUntilConnected(_ data: inout ByteBuffer, endStream: Bool) {
        guard !finished else { return }
        earlyData.writeBuffer(&data)
        earlyEndStream = earlyEndStream || endStream
        if receiveBeforeConnect, !readDisabledForEarlyData, let limit = earlyDataLimit, earlyData.readableBytes >= limit {
            // Backpressure: the client waits in the kernel, not in our memory.
            readDisabledForEarlyData = true
            downstream.readDisable(true)
        }
    }

    private func forward(_ data: ByteBuffer, endStream: Bool, to upstream: NetworkConnection) {
        let count = data.readableBytes
        if count > 0 {
            downstream.streamInfo.bytesReceived &+= UInt64(count)
            config.stats.downstreamRxBytesTotal.increment(by: UInt64(count))
            idle?.touch()
        }
        upstream.write(data, endStream: endStream)
    }

    /// Bytes (and end of stream) from the upstream, for the downstream.
    func upstreamData(_ data: ByteBuffer, endStream: Bool) {
        let downstream = self.downstream  // one lookup through the callbacks for both uses
        let count = data.readableBytes
        if count > 0 {
            downstream.streamInfo.bytesSent &+= UInt64(count)
            config.stats.downstreamTxBytesTotal.increment(by: UInt64(count))
            idle?.touch()
        }
        downstream.write(data, endStream: endStream)
    }

    // MARK: - Downstream events and backpressure

    public func onEvent(_ event: ConnectionEvent) {
        switch event {
        case .connected:
            return
        case .remoteClose:
            // Let the upstream finish sending what the downstream already gave us.
            upstream?.close(.flushWrite)
        case .localClose:
            upstream?.close(.noFlush)
        }
        finish()
    }

    public func onAboveWriteBufferHighWatermark() {
        // The downstream cannot keep up: stop reading from the upstream.
        guard let upstream else { return }
        cluster?.info.stats.upstreamFlowControlPausedReading.increment()
        upstream.readDisable(true)
    }

    public func onBelowWriteBufferLowWatermark() {
        guard let upstream else { return }
        cluster?.info.stats.upstreamFlowControlResumedReading.increment()
        upstream.readDisable(false)
    }

    /// The upstream cannot keep up: stop reading from the downstream.
    func upstreamAboveHighWatermark() {
        config.stats.downstreamFlowControlPausedReading.increment()
        downstream.readDisable(true)
    }

    func upstreamBelowLowWatermark() {
        config.stats.downstreamFlowControlResumedReading.increment()
        downstream.readDisable(false)
    }

    // MARK: - Upstream events

    func upstreamEvent(_ event: ConnectionEvent) {
        switch event {
        case .remoteClose:
            if downstream.state == .open {
                downstream.close(.flushWrite)
            }
        case .localClose, .connected:
            break
        }
    }

    // MARK: - Timers and teardown

    /// `idle_timeout` passed without a byte either way (``IdleTimeout/Owner``).
    func idleTimedOut() {
        guard !finished else { return }
        config.stats.idleTimeout.increment()
        downstream.close(.noFlush)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        pendingConnect?.cancel()
        pendingConnect = nil
        idle?.cancel()
        idle = nil
        durationTimer?.cancel()
        durationTimer = nil
        for logger in config.accessLoggers { logger.log(downstream) }
    }
}

@available(*, unavailable)
extension TCPProxyFilter: Sendable {}

extension TCPProxyFilter: IdleTimeout.Owner {}

/// tcp_proxy's last read filter on the upstream connection: hands upstream bytes and events
/// back to the proxy filter.
final class UpstreamBridge: ReadFilter, ConnectionCallbacks {
    /// The upstream connection (and so this bridge) can outlive the proxy filter while it
    /// closes: the proxy detaches the bridge when it goes (see `TCPProxyFilter.deinit`).
    private unowned var proxy: TCPProxyFilter?

    init(proxy: TCPProxyFilter) {
        self.proxy = proxy
    }

    /// The proxy filter is going away: events after this are dropped.
    func detach() {
        proxy = nil
    }

    func initialize(callbacks: any ReadFilterCallbacks) {}

    func onData(_ data: inout ByteBuffer, endStream: Bool) -> FilterStatus {
        proxy?.upstreamData(data, endStream: endStream)
        data.moveReaderIndex(forwardBy: data.readableBytes)
        return .stopIteration
    }

    func onEvent(_ event: ConnectionEvent) {
        proxy?.upstreamEvent(event)
    }

    func onAboveWriteBufferHighWatermark() {
        proxy?.upstreamAboveHighWatermark()
    }

    func onBelowWriteBufferLowWatermark() {
        proxy?.upstreamBelowLowWatermark()
    }
}

@available(*, unavailable)
extension UpstreamBridge: Sendable {}
