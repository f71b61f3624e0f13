import TLS
import NIOCore
import Testing

@Suite struct TLSHandshakeTests {
    let pki = TestPKI.shared

    @Test func alpnFollowsServerPreference() throws {
        var pair = try BackToBack(
            client: pki.clientContext(alpn: ["http/1.1", "h2"]),
            server: pki.serverContext(alpn: ["h2", "http/1.1"])
        )
        let (client, server) = pair.handshake()
        #expect(client.info?.negotiatedProtocol == "h2")
        #expect(server.info?.negotiatedProtocol == "h2")
    }

    @Test func alpnWithoutOverlapStillHandshakes() throws {
        var pair = try BackToBack(client: pki.clientContext(alpn: ["foo"]), server: pki.serverContext(alpn: ["h2"]))
        let (client, server) = pair.handshake()
        #expect(client.info != nil && server.info != nil)
        #expect(client.info?.negotiatedProtocol == nil)
        #expect(server.info?.negotiatedProtocol == nil)
    }

    @Test func alpnOnlyOnClient() throws {
        var pair = try BackToBack(client: pki.clientContext(alpn: ["istio-peer-exchange", "istio"]), server: pki.serverContext())
        let (client, server) = pair.handshake()
        #expect(client.info?.negotiatedProtocol == nil)
        #expect(server.info?.negotiatedProtocol == nil)
    }

    @Test func serverSeesSNI() throws {
        var pair = try BackToBack(client: pki.clientContext(sni: "api.svc.example.com"), server: pki.serverContext())
        let (client, server) = pair.handshake()
        #expect(server.info?.serverName == "api.svc.example.com")
        #expect(client.info?.serverName == "api.svc.example.com")
    }

    @Test func connectionServerNameOverridesConfiguredSNI() throws {
        var pair = try BackToBack(
            client: pki.clientContext(sni: "configured.example.com"),
            server: pki.serverContext(),
            serverName: "override.example.com"
        )
        #expect(pair.handshake().server.info?.serverName == "override.example.com")
    }

    @Test func noSNIWithoutConfiguration() throws {
        var pair = try BackToBack(client: pki.clientContext(), server: pki.serverContext())
        let (client, server) = pair.handshake()
        #expect(server.info?.serverName == nil)
        #expect(client.info?.serverName == nil)
    }

    @Test func mutualTLSExposesIdentitiesOnBothSides() throws {
        var serverValidation = pki.trustingCA
        serverValidation.matchTypedSubjectAltNames = [
            SubjectAltNameMatcher(sanType: .uri, matcher: try StringMatcher(.exact(TestPKI.clientSPIFFE)))
        ]
        var clientValidation = pki.trustingCA
        clientValidation.matchTypedSubjectAltNames = [
            SubjectAltNameMatcher(sanType: .uri, matcher: try StringMatcher(.prefix("spiffe://cluster.local/")))
        ]
        var pair = try BackToBack(
            client: pki.clientContext(
                alpn: ["istio-peer-exchange", "istio"],
                sni: "server.example.com",
                certificate: pki.clientCertificate,
                validation: clientValidation,
                params: TLSParameters(maximumProtocolVersion: .tlsV1_3)
            ),
            server: pki.serverContext(alpn: ["istio-peer-exchange", "h2"], requireClientCertificate: true, validation: serverValidation)
        )
        let (clientResult, serverResult) = pair.handshake()
        let server = try #require(serverResult.info)
        let client = try #require(clientResult.info)

        #expect(server.peerCertificatePresented && server.peerCertificateValidated)
        #expect(server.peerURISANs == [TestPKI.clientSPIFFE])
        #expect(server.peerDNSSANs == ["client.example.com"])
        #expect(server.localURISANs == [TestPKI.serverSPIFFE])
        #expect(server.localDNSSANs == ["server.example.com", "*.svc.example.com"])
        #expect(server.peerSubject == "CN=client,O=Relay")
        #expect(server.peerIssuer == "CN=ca")
        #expect(server.peerCertificateSHA256.count == 64)
        #expect(server.negotiatedProtocol == "istio-peer-exchange")

        #expect(client.peerCertificatePresented && client.peerCertificateValidated)
        #expect(client.peerURISANs == [TestPKI.serverSPIFFE])
        #expect(client.peerIPSANs == ["127.0.0.1"])
        #expect(client.localURISANs == [TestPKI.clientSPIFFE])
        #expect(client.peerCertificateSHA256 != server.peerCertificateSHA256)
        #expect(client.tlsVersion == "TLSv1.3" && server.tlsVersion == "TLSv1.3")

        #expect(server.statEvents.contains(.handshake))
        #expect(!server.statEvents.contains(.noCertificate))
        #expect(server.statEvents.map(\.statName).contains("versions.TLSv1.3"))

        // Application data flows after a TLS 1.3 mutual handshake.
        try pair.client.writePlaintext(ByteBuffer(string: "hello"))
        BackToBack.deliver(from: pair.client, to: pair.server)
        var received = ByteBuffer()
        #expect(try pair.server.readPlaintext(into: &received) == .needMoreData)
        #expect(String(buffer: received) == "hello")
    }

    @Test func missingRequiredClientCertificateIsFailVerifyNoCert() throws {
        for version in [TLSProtocolVersion.tlsV1_2, .tlsV1_3] {
            var pair = try BackToBack(
                client: pki.clientContext(params: TLSParameters(maximumProtocolVersion: version)),
                server: pki.serverContext(requireClientCertificate: true, validation: pki.trustingCA)
            )
            let (client, server) = pair.handshake()
            let error = try #require(server.error)
            #expect(error.kind == .noPeerCertificate)
            #expect(error.statEvent == .failVerifyNoCert)
            // The client learns of it from the alert: during the handshake in TLS 1.2, on the
            // first read in TLS 1.3.
            if let clientError = client.error {
                #expect(clientError.statEvent == .connectionError)
            } else {
                var sink = ByteBuffer()
                #expect(throws: TLSHandshakeError.self) { try pair.client.readPlaintext(into: &sink) }
            }
        }
    }

    @Test func optionalClientCertificateCountsNoCertificate() throws {
        var pair = try BackToBack(client: pki.clientContext(), server: pki.serverContext(validation: pki.trustingCA))
        let server = try #require(pair.handshake().server.info)
        #expect(!server.peerCertificatePresented)
        #expect(server.statEvents.contains(.noCertificate))
    }

    @Test func untrustedClientCertificateIsFailVerifyError() throws {
        var pair = try BackToBack(
            client: pki.clientContext(
                certificate: TLSCertificate(
                    certificateChain: .inlineString(pki.rogueClientChainPEM),
                    privateKey: .inlineString(pki.rogueClientKeyPEM)
                )
            ),
            server: pki.serverContext(requireClientCertificate: true, validation: pki.trustingCA)
        )
        let error = try #require(pair.handshake().server.error)
        #expect(error.kind == .verifyError)
        #expect(error.statEvent == .failVerifyError)
        #expect(error.message.contains("local issuer"))
    }

    @Test func acceptUntrustedLetsTheHandshakeThroughButCountsTheError() throws {
        var validation = pki.trustingCA
        validation.trustChainVerification = .acceptUntrusted
        var pair = try BackToBack(
            client: pki.clientContext(
                certificate: TLSCertificate(
                    certificateChain: .inlineString(pki.rogueClientChainPEM),
                    privateKey: .inlineString(pki.rogueClientKeyPEM)
                )
            ),
            server: pki.serverContext(requireClientCertificate: true, validation: validation)
        )
        let server = try #require(pair.handshake().server.info)
        #expect(server.peerCertificatePresented && !server.peerCertificateValidated)
        #expect(server.statEvents.contains(.failVerifyError))
    }

    @Test func wrongClientSANIsFailVerifySAN() throws {
        var validation = pki.trustingCA
        validation.matchTypedSubjectAltNames = [
            SubjectAltNameMatcher(sanType: .uri, matcher: try StringMatcher(.exact(TestPKI.clientSPIFFE)))
        ]
        var pair = try BackToBack(
            client: pki.clientContext(
                certificate: TLSCertificate(
                    certificateChain: .inlineString(pki.otherClientChainPEM),
                    privateKey: .inlineString(pki.otherClientKeyPEM)
                )
            ),
            server: pki.serverContext(requireClientCertificate: true, validation: validation)
        )
        let error = try #require(pair.handshake().server.error)
        #expect(error.kind == .subjectAltNameMismatch)
        #expect(error.statEvent == .failVerifySAN)
        #expect(error.message.contains(TestPKI.otherSPIFFE))
    }

    @Test func clientRejectsServerWithWrongSAN() throws {
        var validation = pki.trustingCA
        validation.matchTypedSubjectAltNames = [
            SubjectAltNameMatcher(sanType: .uri, matcher: try StringMatcher(.exact("spiffe://cluster.local/ns/x/sa/y")))
        ]
        var pair = try BackToBack(client: pki.clientContext(validation: validation), server: pki.serverContext())
        let (client, server) = pair.handshake()
        #expect(client.error?.kind == .subjectAltNameMismatch)
        #expect(server.error?.statEvent == .connectionError)
    }

    @Test func clientRejectsUntrustedServer() throws {
        var pair = try BackToBack(
            client: pki.clientContext(validation: CertificateValidationContext(trustedCA: .inlineString(pki.rogueClientChainPEM))),
            server: pki.serverContext()
        )
        #expect(pair.handshake().client.error?.kind == .verifyError)
    }

    @Test func dnsWildcardCertificateMatchesExactName() throws {
        func attempt(_ name: String) throws -> TLSHandshakeResult {
            var validation = pki.trustingCA
            validation.matchTypedSubjectAltNames = [SubjectAltNameMatcher(sanType: .dns, matcher: try StringMatcher(.exact(name)))]
            var pair = try BackToBack(client: pki.clientContext(validation: validation), server: pki.serverContext())
            return pair.handshake().client
        }
        #expect(try attempt("api.svc.example.com").info != nil)
        #expect(try attempt("API.SVC.example.com").info != nil)
        #expect(try attempt("server.example.com").info != nil)
        #expect(try attempt("a.b.svc.example.com").error?.kind == .subjectAltNameMismatch)
        #expect(try attempt("svc.example.com").error?.kind == .subjectAltNameMismatch)
    }

    @Test func certificateHashPinning() throws {
        var first = try BackToBack(client: pki.clientContext(validation: pki.trustingCA), server: pki.serverContext())
        let digest = try #require(first.handshake().client.info?.peerCertificateSHA256)

        var pinned = CertificateValidationContext(verifyCertificateHash: [digest.uppercased()])
        var pair = try BackToBack(client: pki.clientContext(validation: pinned), server: pki.serverContext())
        #expect(pair.handshake().client.info?.peerCertificateValidated == true)

        pinned.verifyCertificateHash = [String(repeating: "ab", count: 32)]
        pair = try BackToBack(client: pki.clientContext(validation: pinned), server: pki.serverContext())
        let error = try #require(pair.handshake().client.error)
        #expect(error.statEvent == .failVerifyCertHash)
    }

    @Test func clientWithoutCADoesNotVerify() throws {
        var pair = try BackToBack(client: pki.clientContext(), server: pki.serverContext())
        let client = try #require(pair.handshake().client.info)
        #expect(client.peerCertificatePresented && !client.peerCertificateValidated)
    }

    @Test func versionsAndCiphers() throws {
        // Envoy's defaults: a client caps at TLS 1.2, a server allows TLS 1.3.
        var pair = try BackToBack(client: pki.clientContext(), server: pki.serverContext())
        var (client, server) = pair.handshake()
        #expect(client.info?.tlsVersion == "TLSv1.2")
        #expect(server.info?.cipherSuite == "ECDHE-ECDSA-AES128-GCM-SHA256")
        #expect(server.info?.curve == "X25519")
        #expect(server.info?.statEvents.map(\.statName) ?? [] == [
            "handshake", "versions.TLSv1.2", "ciphers.ECDHE-ECDSA-AES128-GCM-SHA256", "curves.X25519", "no_certificate",
        ])

        pair = try BackToBack(client: pki.clientContext(params: TLSParameters(maximumProtocolVersion: .tlsV1_3)), server: pki.serverContext())
        (client, server) = pair.handshake()
        #expect(server.info?.tlsVersion == "TLSv1.3")
        #expect(server.info?.cipherSuite.hasPrefix("TLS_") == true)

        pair = try BackToBack(
            client: pki.clientContext(params: TLSParameters(maximumProtocolVersion: .tlsV1_3, ecdhCurves: ["P-256"])),
            server: pki.serverContext(params: TLSParameters(minimumProtocolVersion: .tlsV1_3))
        )
        #expect(pair.handshake().server.info?.curve == "P-256")

        // No common version.
        pair = try BackToBack(
            client: pki.clientContext(),
            server: pki.serverContext(params: TLSParameters(minimumProtocolVersion: .tlsV1_3))
        )
        (client, server) = pair.handshake()
        #expect(server.error?.statEvent == .connectionError)
        #expect(client.error?.statEvent == .connectionError)
    }

    @Test func configuredCipherSuites() throws {
        var pair = try BackToBack(
            client: pki.clientContext(params: TLSParameters(cipherSuites: ["ECDHE-ECDSA-CHACHA20-POLY1305"])),
            server: pki.serverContext()
        )
        #expect(pair.handshake().server.info?.cipherSuite == "ECDHE-ECDSA-CHACHA20-POLY1305")
    }

    @Test func handshakeEndsWhenPeerCloses() throws {
        let server = try TLSConnection(context: pki.serverContext())
        server.receiveFromNetwork(ByteBuffer(bytes: [0x16, 0x03, 0x01]))
        #expect(server.handshake().error == nil)
        server.receiveEndOfStream()
        let error = try #require(server.handshake().error)
        #expect(error.kind == .endOfStream)
        #expect(error.statEvent == nil)
    }

    @Test func garbageIsAProtocolError() throws {
        let server = try TLSConnection(context: pki.serverContext())
        server.receiveFromNetwork(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        let error = try #require(server.handshake().error)
        #expect(error.statEvent == .connectionError)
        #expect(!error.openSSLErrors.isEmpty)
    }
}
