import NIOCore
import Relay

/// TLS under a connection's filters, on the system OpenSSL: network bytes in and out below,
/// plaintext above. Plaintext written before the handshake finishes is held and sent after.
/// Garbage, truncated or rejected handshakes are counted and fail the connection cleanly.
///
/// - Note: Per connection; confined to its event loop.
final class TLSTransportSocket: TransportSocket {
    let protocolName = "tls"
    private let tls: TLSConnection
    private let stats: TLSStats
    private let isClient: Bool
    /// The socket glue that owns this transport socket and is its only caller, so it outlives
    /// it. `unowned`, not `weak`: a weak reference would give the glue a side table and make
    /// every retain and release of it, on every read and write, take the runtime's slow path.
    private unowned var callbacks: (any TransportSocketCallbacks)?
    private var handshakeDone = false
    private var failed = false
    private var peerEnded = false
    private var heldPlaintext: ByteBuffer?
    /// The buffer the last plaintext was decrypted into, kept for the next read when it is
    /// small (see ``readAvailable()``).
    private var spareReadBuffer: ByteBuffer?
    private var shutdownRequested = false
    private(set) var connectionInfo: TLSConnectionInfo?

    init(tls: TLSConnection, stats: TLSStats, isClient: Bool) {
        self.tls = tls
        self.stats = stats
        self.isClient = isClient
    }

    func setCallbacks(_ callbacks: any TransportSocketCallbacks) {
        self.callbacks = callbacks
    }

    func onConnected() {
        if isClient { advanceHandshake() }
    }

    func receiveFromNetwork(_ data: ByteBuffer) {
        guard !failed else { return }
        tls.receiveFromNetwork(data)
        if !handshakeDone {
            advanceHandshake()
        } else {
            readAvailable()
        }
    }

    func receiveNetworkEOF() {
        guard !failed else { return }
        tls.receiveEndOfStream()
        if !handshakeDone {
            advanceHandshake()
            return
        }
        readAvailable()
        endPeer()
    }

    func write(_ plaintext: ByteBuffer) {
        guard !failed else { return }
        guard handshakeDone else {
            var plaintext = plaintext
            if heldPlaintext == nil {
                heldPlaintext = plaintext
            } else {
                heldPlaintext!.writeBuffer(&plaintext)
            }
            return
        }
        do {
            try tls.writePlaintext(plaintext)
        } catch {
            fail(error)
            return
        }
        flush()
    }

    func shutdownWrite() {
        guard !failed else { return }
        guard handshakeDone else {
            shutdownRequested = true
            return
        }
        tls.shutdown()
        flush()
    }

    // MARK: - Internals

    private func advanceHandshake() {
        switch tls.handshake() {
        case .needsMoreData:
            flush()
        case .completed(let info):
            handshakeDone = true
            for event in info.statEvents { stats.record(event) }
            connectionInfo = Self.connectionInfo(info)
            flush()
            callbacks?.transportSocketConnected()
            if let held = heldPlaintext {
                heldPlaintext = nil
                write(held)
            }
            if shutdownRequested { shutdownWrite() }
            // Application data may have arrived with the last handshake flight.
            readAvailable()
        case .failed(let error):
            fail(error)
        }
    }

    private func readAvailable() {
        guard !failed, !peerEnded else { return }
        var plaintext = spareReadBuffer.take() ?? ByteBuffer()
        defer { keepSpare(&plaintext) }
        let status: TLSReadStatus
        do {
            status = try tls.readPlaintext(into: &plaintext)
        } catch {
            if plaintext.readableBytes > 0 { callbacks?.transportSocketDeliver(plaintext) }
            fail(error)
            return
        }
        flush()
        if plaintext.readableBytes > 0 {
            callbacks?.transportSocketDeliver(plaintext)
        }
        switch status {
        case .needMoreData:
            break
        case .closeNotify, .uncleanEndOfStream:
            endPeer()
        }
    }

    /// Clearing a delivered buffer reuses its storage when the connection above kept no
    /// reference (it wrote the bytes on at once); a large one is not kept by an idle connection.
    private func keepSpare(_ buffer: inout ByteBuffer) {
        guard buffer.capacity <= ByteBufferBIO.retainedCapacity else { return }
        buffer.clear()
        spareReadBuffer = buffer
    }

    private func endPeer() {
        guard !peerEnded else { return }
        peerEnded = true
        callbacks?.transportSocketPeerEnded()
    }

    private func flush() {
        if let ciphertext = tls.takeCiphertext(), ciphertext.readableBytes > 0 {
            callbacks?.transportSocketWriteToNetwork(ciphertext)
        }
    }

    private func fail(_ error: any Error) {
        guard !failed else { return }
        failed = true
        if let error = error as? TLSHandshakeError {
            stats.record(error.statEvent ?? .connectionError)
        } else {
            stats.record(.connectionError)
        }
        flush()  // alerts
        callbacks?.transportSocketFailed("\(error)")
    }

    static func connectionInfo(_ info: TLSSessionInfo) -> TLSConnectionInfo {
        TLSConnectionInfo(
            alpn: info.negotiatedProtocol ?? "",
            serverName: info.serverName ?? "",
            version: info.tlsVersion,
            cipher: info.cipherSuite,
            peerCertificatePresented: info.peerCertificatePresented,
            peerCertificateValidated: info.peerCertificateValidated,
            peerURISANs: info.peerURISANs,
            peerDNSSANs: info.peerDNSSANs,
            peerSubject: info.peerSubject,
            peerCertificateSHA256: info.peerCertificateSHA256,
            localURISANs: info.localURISANs,
            localDNSSANs: info.localDNSSANs
        )
    }
}

@available(*, unavailable)
extension TLSTransportSocket: Sendable {}
