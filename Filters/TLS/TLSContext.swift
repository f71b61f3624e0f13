internal import COpenSSL

/// One OpenSSL `SSL_CTX`, built once from a TLS configuration and shared by every connection
/// that uses that configuration.
///
/// Building a context reads files and parses keys: do it once per configuration, off the event
/// loop. Connections are made from it with ``TLSConnection/init(context:serverName:allocator:)``.
///
/// - Note: `@unchecked Sendable` because the `SSL_CTX` is fully configured in `init` and never
///   changed afterwards; OpenSSL documents `SSL_CTX` as safe to share between threads for
///   creating `SSL` objects, and its internal session cache and reference counts are locked.
///   The Swift objects reachable from its callbacks are immutable `Sendable` classes.
public final class TLSContext: @unchecked Sendable {
    /// Which side of the handshake the context is for.
    public enum Role: Sendable, Hashable {
        /// Accepts connections (listener, `DownstreamTLSContext`).
        case server
        /// Opens connections (cluster, `UpstreamTLSContext`).
        case client
    }

    /// The role.
    public let role: Role
    /// ALPN protocols: offered by a client, or a server's preference order.
    public let applicationProtocols: [String]
    /// A client's configured SNI (`UpstreamTLSContext.sni`).
    public let serverName: String?

    let context: OpaquePointer
    let verifier: CertificateVerifier
    private let alpnPreference: ALPNServerPreference?
    let sessionCache: ClientSessionCache?
    /// The SANs and subject of each loaded leaf certificate, read once here instead of per
    /// handshake. Filled only during `init`.
    private(set) var localIdentities: [LocalCertificateIdentity] = []

    /// Builds a server context from Envoy's `DownstreamTlsContext`.
    ///
    /// - Throws: ``TLSConfigurationError`` naming the offending field.
    public convenience init(configuration: DownstreamTLSContext) throws {
        try self.init(role: .server, common: configuration.commonTLSContext, server: configuration, client: nil)
    }

    /// Builds a client context from Envoy's `UpstreamTlsContext`.
    ///
    /// - Throws: ``TLSConfigurationError`` naming the offending field.
    public convenience init(configuration: UpstreamTLSContext) throws {
        try self.init(role: .client, common: configuration.commonTLSContext, server: nil, client: configuration)
    }

    private init(
        role: Role,
        common: CommonTLSContext,
        server: DownstreamTLSContext?,
        client: UpstreamTLSContext?
    ) throws {
        OpenSSLErrorQueue.clear()
        let base = "common_tls_context"
        guard let context = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw TLSConfigurationError(
                fieldPath: base,
                message: "cannot create an OpenSSL context",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        self.role = role
        self.context = context
        self.applicationProtocols = common.alpnProtocols
        self.serverName = client?.sni
        do {
            verifier = try CertificateVerifier(validation: common.validationContext, fieldPath: "\(base).validation_context")
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        alpnPreference = role == .server && !common.alpnProtocols.isEmpty ? ALPNServerPreference(common.alpnProtocols) : nil
        let sessionKeys = client?.maxSessionKeys ?? 0
        sessionCache = sessionKeys > 0 ? ClientSessionCache(capacity: sessionKeys) : nil
        // Every stored property is set, so a throw from here on runs `deinit`, which frees
        // the context.
        try configure(common: common, server: server, client: client)
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// The cached identity of `certificate` (an `X509 *` from `SSL_get_certificate`), or `nil`
    /// if it is not one this context loaded.
    func localIdentity(of certificate: OpaquePointer) -> LocalCertificateIdentity? {
        localIdentities.first { $0.certificate == certificate }
    }

    // MARK: - Building

    private func configure(common: CommonTLSContext, server: DownstreamTLSContext?, client: UpstreamTLSContext?) throws {
        let base = "common_tls_context"
        try configureProtocol(common.tlsParams, fieldPath: "\(base).tls_params")

        var options = relay_SSL_OP_NO_COMPRESSION()
        if !(client?.allowRenegotiation ?? false) { options |= relay_SSL_OP_NO_RENEGOTIATION() }
        if let server {
            if !server.preferClientCiphers { options |= relay_SSL_OP_CIPHER_SERVER_PREFERENCE() }
            if server.disableStatelessSessionResumption { options |= relay_SSL_OP_NO_TICKET() }
            if server.disableStatefulSessionResumption { _ = relay_SSL_CTX_set_session_cache_mode(context, 0) }
            if let timeout = server.sessionTimeout {
                _ = SSL_CTX_set_timeout(context, Int(timeout.components.seconds))
            }
        }
        if let client, client.maxSessionKeys == 0 { options |= relay_SSL_OP_NO_TICKET() }
        if let sessionCache {
            _ = SSL_CTX_set_ex_data(context, 0, Unmanaged.passUnretained(sessionCache).toOpaque())
            _ = relay_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE))
            SSL_CTX_sess_set_new_cb(context, relayNewSessionCallback)
        }
        _ = SSL_CTX_set_options(context, options)
        relay_SSL_CTX_set_read_ahead(context, 1)
        // BoringSSL (Envoy) frees a connection's record buffers whenever they are empty; OpenSSL
        // keeps ~34 KiB per connection for its lifetime unless asked to do the same.
        _ = relay_SSL_CTX_set_mode(context, relay_SSL_MODE_RELEASE_BUFFERS())

        if role == .client && common.tlsCertificates.count > 1 {
            throw TLSConfigurationError(
                fieldPath: "\(base).tls_certificates",
                message: "multiple TLS certificates are not supported for client contexts"
            )
        }
        var keyTypes = Set<Int32>()
        for (index, certificate) in common.tlsCertificates.enumerated() {
            let keyType = try loadCertificate(certificate, fieldPath: "\(base).tls_certificates[\(index)]")
            guard keyTypes.insert(keyType).inserted else {
                throw TLSConfigurationError(
                    fieldPath: "\(base).tls_certificates[\(index)]",
                    message: "more than one certificate with the same key type is not supported"
                )
            }
        }

        if let validation = common.validationContext {
            try configureValidation(validation, fieldPath: "\(base).validation_context")
        }
        var mode = SSL_VERIFY_NONE
        if role == .client {
            mode = SSL_VERIFY_PEER
        } else if server?.requireClientCertificate ?? false {
            mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
        } else if verifier.wantsPeerCertificate {
            mode = SSL_VERIFY_PEER
        }
        SSL_CTX_set_verify(context, mode, nil)
        SSL_CTX_set_cert_verify_callback(
            context,
            relayCertificateVerifyCallback,
            Unmanaged.passUnretained(verifier).toOpaque()
        )

        if role == .server {
            // Any value works; it only has to exist so sessions of peers with certificates resume.
            var sessionContext = [UInt8](repeating: 0, count: 32)
            _ = RAND_bytes(&sessionContext, 32)
            _ = SSL_CTX_set_session_id_context(context, sessionContext, 32)
        }

        try configureALPN(common.alpnProtocols, fieldPath: "\(base).alpn_protocols")
    }

    private func configureProtocol(_ params: TLSParameters, fieldPath: String) throws {
        let minimum = params.minimumProtocolVersion.wireVersion ?? 0x0303
        let maximum = params.maximumProtocolVersion.wireVersion ?? (role == .client ? 0x0303 : 0x0304)
        guard minimum <= maximum else {
            throw TLSConfigurationError(
                fieldPath: "\(fieldPath).tls_minimum_protocol_version",
                message: "minimum protocol version is above the maximum"
            )
        }
        guard relay_SSL_CTX_set_min_proto_version(context, minimum) == 1,
            relay_SSL_CTX_set_max_proto_version(context, maximum) == 1
        else {
            throw TLSConfigurationError(
                fieldPath: fieldPath,
                message: "unsupported protocol version range",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }

        // TLS ≤ 1.2 suites; names starting with TLS_ are TLS 1.3 suites.
        let requested = params.cipherSuites.isEmpty ? TLSParameters.defaultCipherSuites : params.cipherSuites
        var legacy: [String] = []
        var modern: [String] = []
        for entry in requested {
            let names = entry.replacingBrackets().split(separator: ":").map(String.init)
            for name in names where !name.isEmpty {
                if name.hasPrefix("TLS_") { modern.append(name) } else { legacy.append(name) }
            }
        }
        for (index, name) in legacy.enumerated() where SSL_CTX_set_cipher_list(context, name) != 1 {
            OpenSSLErrorQueue.clear()
            throw TLSConfigurationError(
                fieldPath: "\(fieldPath).cipher_suites",
                message: "unknown or unusable cipher suite '\(name)' (entry \(index))"
            )
        }
        if !legacy.isEmpty && SSL_CTX_set_cipher_list(context, legacy.joined(separator: ":")) != 1 {
            throw TLSConfigurationError(
                fieldPath: "\(fieldPath).cipher_suites",
                message: "cipher suite list rejected",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        if !modern.isEmpty && SSL_CTX_set_ciphersuites(context, modern.joined(separator: ":")) != 1 {
            throw TLSConfigurationError(
                fieldPath: "\(fieldPath).cipher_suites",
                message: "TLS 1.3 cipher suites rejected: \(modern.joined(separator: ":"))",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }

        let curves = params.ecdhCurves.isEmpty ? TLSParameters.defaultECDHCurves : params.ecdhCurves
        if relay_SSL_CTX_set1_groups_list(context, curves.joined(separator: ":")) != 1 {
            throw TLSConfigurationError(
                fieldPath: "\(fieldPath).ecdh_curves",
                message: "unknown curve in [\(curves.joined(separator: ", "))]",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        if !params.signatureAlgorithms.isEmpty,
            relay_SSL_CTX_set1_sigalgs_list(context, params.signatureAlgorithms.joined(separator: ":")) != 1
        {
            throw TLSConfigurationError(
                fieldPath: "\(fieldPath).signature_algorithms",
                message: "unknown signature algorithm in [\(params.signatureAlgorithms.joined(separator: ", "))]",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
    }

    /// Loads one chain + key; returns the key type.
    private func loadCertificate(_ certificate: TLSCertificate, fieldPath: String) throws -> Int32 {
        guard let chainSource = certificate.certificateChain else {
            throw TLSConfigurationError(fieldPath: "\(fieldPath).certificate_chain", message: "certificate_chain is required")
        }
        guard let keySource = certificate.privateKey else {
            throw TLSConfigurationError(fieldPath: "\(fieldPath).private_key", message: "private_key is required")
        }
        let chainPath = "\(fieldPath).certificate_chain"
        let keyPath = "\(fieldPath).private_key"
        let certificates = try PEM.certificates(try chainSource.load(fieldPath: chainPath), fieldPath: chainPath)
        defer { certificates.forEach { X509_free($0) } }

        let leaf = certificates[0]
        guard SSL_CTX_use_certificate(context, leaf) == 1 else {
            throw TLSConfigurationError(
                fieldPath: chainPath,
                message: "certificate rejected",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        // The context keeps its own reference to `leaf`, so the pointer stays valid and is the
        // one `SSL_get_certificate` returns for connections that selected this certificate.
        localIdentities.append(LocalCertificateIdentity(certificate: leaf))
        for intermediate in certificates.dropFirst() {
            X509_up_ref(intermediate)
            guard relay_SSL_CTX_add0_chain_cert(context, intermediate) == 1 else {
                X509_free(intermediate)
                throw TLSConfigurationError(
                    fieldPath: chainPath,
                    message: "intermediate certificate rejected",
                    openSSLErrors: OpenSSLErrorQueue.drainTexts()
                )
            }
        }

        let password = try certificate.password.map { try $0.load(fieldPath: "\(fieldPath).password") } ?? []
        let key = try PEM.privateKey(try keySource.load(fieldPath: keyPath), password: password, fieldPath: keyPath)
        defer { EVP_PKEY_free(key) }
        guard X509_check_private_key(leaf, key) == 1 else {
            throw TLSConfigurationError(
                fieldPath: keyPath,
                message: "private key does not match the certificate",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        guard SSL_CTX_use_PrivateKey(context, key) == 1, SSL_CTX_check_private_key(context) == 1 else {
            throw TLSConfigurationError(
                fieldPath: keyPath,
                message: "private key rejected",
                openSSLErrors: OpenSSLErrorQueue.drainTexts()
            )
        }
        return EVP_PKEY_get_base_id(key)
    }

    private func configureValidation(_ validation: CertificateValidationContext, fieldPath: String) throws {
        if let source = validation.trustedCA {
            let path = "\(fieldPath).trusted_ca"
            let authorities = try PEM.certificates(try source.load(fieldPath: path), fieldPath: path)
            defer { authorities.forEach { X509_free($0) } }
            guard let store = SSL_CTX_get_cert_store(context) else {
                throw TLSConfigurationError(fieldPath: path, message: "no certificate store")
            }
            for authority in authorities where X509_STORE_add_cert(store, authority) != 1 {
                throw TLSConfigurationError(
                    fieldPath: path,
                    message: "CA certificate rejected",
                    openSSLErrors: OpenSSLErrorQueue.drainTexts()
                )
            }
            // Envoy accepts chains that end at any configured CA, not only at a root.
            _ = X509_STORE_set_flags(store, UInt(X509_V_FLAG_PARTIAL_CHAIN))
            _ = X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(context), UInt(X509_V_FLAG_PARTIAL_CHAIN))
        }
        if let depth = validation.maxVerifyDepth {
            SSL_CTX_set_verify_depth(context, Int32(clamping: depth))
        }
    }

    private func configureALPN(_ protocols: [String], fieldPath: String) throws {
        guard !protocols.isEmpty else { return }
        for (index, name) in protocols.enumerated() where name.utf8.isEmpty || name.utf8.count > 255 {
            throw TLSConfigurationError(
                fieldPath: "\(fieldPath)[\(index)]",
                message: "ALPN protocol names must be 1 to 255 bytes long"
            )
        }
        if let alpnPreference {
            SSL_CTX_set_alpn_select_cb(context, relayALPNSelectCallback, Unmanaged.passUnretained(alpnPreference).toOpaque())
        } else {
            let wire = ALPNServerPreference.wireFormat(protocols)
            guard SSL_CTX_set_alpn_protos(context, wire, UInt32(wire.count)) == 0 else {
                throw TLSConfigurationError(
                    fieldPath: fieldPath,
                    message: "ALPN list rejected",
                    openSSLErrors: OpenSSLErrorQueue.drainTexts()
                )
            }
        }
    }
}

extension String {
    /// Flattens BoringSSL's `[A|B]` equal-preference groups into OpenSSL's `A:B`.
    fileprivate func replacingBrackets() -> String {
        String(
            unicodeScalars.compactMap { scalar -> Character? in
                switch scalar {
                case "[", "]": nil
                case "|": ":"
                default: Character(scalar)
                }
            }
        )
    }
}

/// The identity facts of one of a context's own certificates, as a handshake reports them.
struct LocalCertificateIdentity {
    /// The `X509 *`, owned by the context's `SSL_CTX`; used only for identity comparison.
    let certificate: OpaquePointer
    let uriSANs: [String]
    let dnsSANs: [String]
    let subject: String

    init(certificate: OpaquePointer) {
        let names = SubjectAltNames(certificate: certificate)
        self.certificate = certificate
        uriSANs = names.uri
        dnsSANs = names.dns
        subject = X509Facts.subject(certificate)
    }
}
