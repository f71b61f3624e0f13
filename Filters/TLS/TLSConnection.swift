internal import COpenSSL
import NIOCore

/// One TLS session (one OpenSSL `SSL`), driven entirely in memory: bytes in, bytes out.
///
/// It knows nothing about channels or sockets. The transport socket:
/// 1. passes every ciphertext buffer read from the network to ``receiveFromNetwork(_:)`` (and
///    ``receiveEndOfStream()`` on EOF);
/// 2. calls ``handshake()`` until it returns `.completed` or `.failed`, then
///    ``readPlaintext(into:)`` for application data;
/// 3. encrypts with ``writePlaintext(_:)`` and closes with ``shutdown()`` (close_notify);
/// 4. after every call, sends ``takeCiphertext()`` to the network if it returns a buffer.
///
/// Received buffers are kept without copying until OpenSSL reads them; produced records are
/// written straight into the buffer ``takeCiphertext()`` hands over.
///
/// - Note: Not `Sendable`: one connection belongs to one event loop.
public final class TLSConnection {
    /// The context the connection was made from.
    public let context: TLSContext
    /// The session facts, once the handshake completed.
    public private(set) var sessionInfo: TLSSessionInfo?
    /// Whether the peer's close_notify has been read.
    public private(set) var receivedCloseNotify = false
    /// Whether our close_notify has been produced.
    public private(set) var sentCloseNotify = false

    private enum State {
        case handshaking
        case established
        case failed(TLSHandshakeError)
    }

    private let ssl: OpaquePointer
    private let io: ByteBufferBIO
    private let verification = VerificationState()
    private let requestedServerName: String?
    private var state = State.handshaking

    /// Creates a connection.
    ///
    /// - Parameters:
    ///   - context: A server or client context.
    ///   - serverName: Client only: the SNI to send; defaults to the context's configured `sni`.
    ///     Ignored by servers.
    ///   - allocator: Allocates the ciphertext buffers.
    /// - Throws: ``TLSHandshakeError`` if OpenSSL cannot create the session or rejects the name.
    public init(context: TLSContext, serverName: String? = nil, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws {
        self.context = context
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.context) else {
            throw TLSHandshakeError(
                kind: .protocolError,
                message: "cannot create an OpenSSL session",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        self.ssl = ssl
        self.io = ByteBufferBIO(allocator: allocator)
        SSL_set_bio(ssl, io.bio, io.bio)
        let name = context.role == .client ? (serverName ?? context.serverName).flatMap { $0.isEmpty ? nil : $0 } : nil
        self.requestedServerName = name
        _ = relay_SSL_set_app_data(ssl, Unmanaged.passUnretained(verification).toOpaque())
        switch context.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            context.sessionCache?.offer(to: ssl)
            if let name, relay_SSL_set_tlsext_host_name(ssl, name) != 1 {
                throw TLSHandshakeError(
                    kind: .protocolError,
                    message: "server name '\(name)' rejected",
                    openSSLErrors: OpenSSLErrorQueue.drainTexts()
                )
            }
        }
    }

    deinit {
        // OpenSSL invalidates the session of a connection freed without close_notify. Like
        // BoringSSL (and Envoy), only a failed connection should lose its session: a healthy
        // one that simply closed its socket stays resumable.
        if case .established = state {
            SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN)
        }
        // Frees the BIO too; `io` and `verification` are released after this body.
        SSL_free(ssl)
    }

    /// Whether the handshake has completed.
    public var isHandshakeComplete: Bool {
        if case .established = state { return true }
        return false
    }

    /// Whether ciphertext is waiting to be taken with ``takeCiphertext()``.
    public var hasPendingCiphertext: Bool { io.outbound.readableBytes > 0 }

    /// Queues ciphertext read from the network. The buffer is kept, not copied, when nothing
    /// else is pending.
    public func receiveFromNetwork(_ bytes: ByteBuffer) {
        io.receive(bytes)
    }

    /// Records that the network reached end of stream (no more ciphertext will arrive).
    public func receiveEndOfStream() {
        io.inboundEOF = true
    }

    /// Hands over the ciphertext produced so far (handshake messages, records, alerts,
    /// close_notify), or `nil` if there is none.
    public func takeCiphertext() -> ByteBuffer? {
        io.takeOutbound()
    }

    /// Advances the handshake with the bytes received so far.
    public func handshake() -> TLSHandshakeResult {
        switch state {
        case .established:
            if let sessionInfo { return .completed(sessionInfo) }
        case .failed(let error):
            return .failed(error)
        case .handshaking:
            break
        }
        OpenSSLErrorQueue.clear()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            state = .established
            let info = makeSessionInfo()
            sessionInfo = info
            return .completed(info)
        }
        let code = SSL_get_error(ssl, rc)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            return .needsMoreData
        }
        let error = classifyFailure(code: code, duringHandshake: true)
        state = .failed(error)
        return .failed(error)
    }

    /// Decrypts everything available and appends it to `buffer`.
    ///
    /// - Returns: Whether more data may follow, or how the stream ended.
    /// - Throws: ``TLSHandshakeError`` on a TLS failure (for example a fatal alert from a peer
    ///   that rejected our certificate after a TLS 1.3 handshake), or if the handshake has not
    ///   completed.
    public func readPlaintext(into buffer: inout ByteBuffer) throws -> TLSReadStatus {
        switch state {
        case .handshaking:
            throw TLSHandshakeError(kind: .protocolError, message: "readPlaintext called before the handshake completed")
        case .failed(let error):
            throw error
        case .established:
            break
        }
        if receivedCloseNotify { return .closeNotify }
        OpenSSLErrorQueue.clear()
        while true {
            // Plaintext never outgrows the ciphertext it comes from: size the buffer by what is
            // queued (plus what OpenSSL has decrypted and not handed out), not by a record's
            // maximum, so a small record costs a small buffer. SSL_read_ex returns at most what
            // fits and keeps the rest pending for the next round.
            let queued = io.inbound.readableBytes + Int(SSL_pending(ssl))
            if queued == 0 && SSL_has_pending(ssl) == 0 && !io.inboundEOF && buffer.readableBytes > 0 {
                io.releaseConsumedInbound()
                return .needMoreData  // everything received was decrypted
            }
            var rc: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: min(max(queued, 256), 64 * 1024)) { target in
                var count = 0
                rc = SSL_read_ex(ssl, target.baseAddress, target.count, &count)
                return rc == 1 ? count : 0
            }
            if rc == 1 { continue }
            let code = SSL_get_error(ssl, rc)
            switch code {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                io.releaseConsumedInbound()
                return .needMoreData
            case SSL_ERROR_ZERO_RETURN:
                receivedCloseNotify = true
                return .closeNotify
            default:
                let error = classifyFailure(code: code, duringHandshake: false)
                if error.kind == .endOfStream { return .uncleanEndOfStream }
                state = .failed(error)
                throw error
            }
        }
    }

    /// Encrypts all readable bytes of `plaintext` into TLS records (taken with
    /// ``takeCiphertext()``).
    ///
    /// - Throws: ``TLSHandshakeError`` if the handshake has not completed, close_notify was
    ///   already sent, or OpenSSL fails.
    public func writePlaintext(_ plaintext: ByteBuffer) throws {
        switch state {
        case .handshaking:
            throw TLSHandshakeError(kind: .protocolError, message: "writePlaintext called before the handshake completed")
        case .failed(let error):
            throw error
        case .established:
            break
        }
        guard !sentCloseNotify else {
            throw TLSHandshakeError(kind: .protocolError, message: "writePlaintext called after shutdown")
        }
        let total = plaintext.readableBytes
        guard total > 0 else { return }
        // Records carry at most 16 KiB plus a small header/tag overhead.
        io.reserveOutbound(total + (total / 16384 + 1) * 64)
        OpenSSLErrorQueue.clear()
        var failure: Int32 = 0
        plaintext.withUnsafeReadableBytes { source in
            var offset = 0
            while offset < total {
                var written = 0
                let rc = SSL_write_ex(ssl, source.baseAddress! + offset, total - offset, &written)
                if rc != 1 {
                    failure = SSL_get_error(ssl, rc)
                    return
                }
                offset += written
            }
        }
        if failure != 0 {
            let error = classifyFailure(code: failure, duringHandshake: false)
            state = .failed(error)
            throw error
        }
    }

    /// Produces close_notify (taken with ``takeCiphertext()``). Does nothing if the handshake
    /// has not completed, failed, or close_notify was already sent.
    public func shutdown() {
        guard case .established = state, !sentCloseNotify else { return }
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(ssl)
        sentCloseNotify = true
        OpenSSLErrorQueue.clear()
    }

    // MARK: - Classification

    private func classifyFailure(code: Int32, duringHandshake: Bool) -> TLSHandshakeError {
        let entries = OpenSSLErrorQueue.drain()
        let texts = entries.map(\.text)
        if var failure = verification.failure {
            failure.openSSLErrors = texts
            return failure
        }
        let sslReasons = entries.filter(\.isSSLLibrary).map(\.reason)
        if sslReasons.contains(relay_SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE()) {
            return TLSHandshakeError(kind: .noPeerCertificate, message: "peer did not return a certificate", openSSLErrors: texts)
        }
        if sslReasons.contains(relay_SSL_R_CERTIFICATE_VERIFY_FAILED()) {
            let reason = String(cString: X509_verify_cert_error_string(SSL_get_verify_result(ssl)))
            return TLSHandshakeError(kind: .verifyError, message: "certificate verify failed: \(reason)", openSSLErrors: texts)
        }
        let unexpectedEOF = sslReasons.contains(relay_SSL_R_UNEXPECTED_EOF_WHILE_READING())
        if io.inboundEOF && (unexpectedEOF || entries.isEmpty) {
            return TLSHandshakeError(
                kind: .endOfStream,
                message: duringHandshake ? "connection closed during the handshake" : "connection closed without close_notify",
                openSSLErrors: texts
            )
        }
        return TLSHandshakeError(
            kind: .protocolError,
            message: texts.last ?? "OpenSSL error \(code)",
            openSSLErrors: texts
        )
    }

    // MARK: - Session facts

    private func makeSessionInfo() -> TLSSessionInfo {
        var info = TLSSessionInfo()
        var alpn: UnsafePointer<UInt8>?
        var alpnLength: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &alpn, &alpnLength)
        if let alpn, alpnLength > 0 {
            info.negotiatedProtocol = String(decoding: UnsafeBufferPointer(start: alpn, count: Int(alpnLength)), as: UTF8.self)
        }
        switch context.role {
        case .server:
            info.serverName = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
        case .client:
            info.serverName = requestedServerName
        }
        info.tlsVersion = String(cString: SSL_get_version(ssl))
        if let cipher = SSL_get_current_cipher(ssl) {
            info.cipherSuite = String(cString: SSL_CIPHER_get_name(cipher))
            info.cipherSuiteID = SSL_CIPHER_get_protocol_id(cipher)
        }
        info.curve = Self.groupName(relay_SSL_get_negotiated_group(ssl))
        info.sessionReused = SSL_session_reused(ssl) == 1

        if let peer = SSL_get1_peer_certificate(ssl) {
            defer { X509_free(peer) }
            let names = SubjectAltNames(certificate: peer)
            info.peerCertificatePresented = true
            // A resumed session skips verification; it inherits the original verdict.
            info.peerCertificateValidated =
                info.sessionReused
                ? context.verifier.wantsPeerCertificate && SSL_get_verify_result(ssl) == Int(X509_V_OK)
                : verification.peerValidated
            info.peerURISANs = names.uri
            info.peerDNSSANs = names.dns
            info.peerIPSANs = names.ip
            info.peerEmailSANs = names.email
            info.peerSubject = X509Facts.subject(peer)
            info.peerIssuer = X509Facts.subject(peer, issuer: true)
            info.peerSerialNumber = X509Facts.serialNumber(peer)
            info.peerCertificateSHA256 = X509Facts.sha256(peer).hexString
        }
        if let local = SSL_get_certificate(ssl) {
            let identity = context.localIdentity(of: local) ?? LocalCertificateIdentity(certificate: local)
            info.localURISANs = identity.uriSANs
            info.localDNSSANs = identity.dnsSANs
            info.localSubject = identity.subject
        }

        var events: [TLSStatEvent] = [.handshake, .version(info.tlsVersion), .cipher(info.cipherSuite)]
        if let curve = info.curve { events.append(.curve(curve)) }
        if info.sessionReused { events.append(.sessionReused) }
        if !info.peerCertificatePresented { events.append(.noCertificate) }
        events.append(contentsOf: verification.events)
        info.statEvents = events
        return info
    }

    /// BoringSSL-style group names, as Envoy's `curves.*` stats use.
    private static func groupName(_ nid: Int32) -> String? {
        switch nid {
        case 0: return nil
        case NID_X25519: return "X25519"
        case NID_X448: return "X448"
        case NID_X9_62_prime256v1: return "P-256"
        case NID_secp384r1: return "P-384"
        case NID_secp521r1: return "P-521"
        default: return OBJ_nid2sn(nid).map { String(cString: $0) }
        }
    }
}

@available(*, unavailable)
extension TLSConnection: Sendable {}
