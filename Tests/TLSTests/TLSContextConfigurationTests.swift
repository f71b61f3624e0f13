import TLS
import Foundation
import Testing

@Suite struct TLSContextConfigurationTests {
    let pki = TestPKI.shared

    private func serverError(_ certificate: TLSCertificate, params: TLSParameters = TLSParameters()) -> TLSConfigurationError? {
        do {
            _ = try TLSContext(
                configuration: DownstreamTLSContext(
                    commonTLSContext: CommonTLSContext(tlsParams: params, tlsCertificates: [certificate])
                )
            )
            return nil
        } catch let error as TLSConfigurationError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func filesAndInlineSourcesLoad() throws {
        _ = try TLSContext(
            configuration: DownstreamTLSContext(
                commonTLSContext: CommonTLSContext(
                    tlsCertificates: [TLSCertificate(certificateChain: .filename(pki.path("server.pem")), privateKey: .filename(pki.path("server.key")))],
                    validationContext: CertificateValidationContext(trustedCA: .inlineBytes(Array(pki.caPEM.utf8)))
                )
            )
        )
    }

    @Test func keyThatDoesNotMatchTheCertificate() throws {
        let error = try #require(
            serverError(TLSCertificate(certificateChain: .inlineString(pki.serverChainPEM), privateKey: .inlineString(pki.clientKeyPEM)))
        )
        #expect(error.fieldPath == "common_tls_context.tls_certificates[0].private_key")
        #expect(error.message.contains("does not match"))
        #expect(!error.openSSLErrors.isEmpty)
        #expect(error.description.contains("OpenSSL:"))
    }

    @Test func badPEM() throws {
        let chain = try #require(
            serverError(TLSCertificate(certificateChain: .inlineString("not a certificate"), privateKey: .inlineString(pki.serverKeyPEM)))
        )
        #expect(chain.fieldPath == "common_tls_context.tls_certificates[0].certificate_chain")
        let key = try #require(
            serverError(TLSCertificate(certificateChain: .inlineString(pki.serverChainPEM), privateKey: .inlineString("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")))
        )
        #expect(key.fieldPath == "common_tls_context.tls_certificates[0].private_key")
        #expect(!key.openSSLErrors.isEmpty)
    }

    @Test func unreadableFile() throws {
        let error = try #require(
            serverError(TLSCertificate(certificateChain: .filename("/nonexistent/cert.pem"), privateKey: .inlineString(pki.serverKeyPEM)))
        )
        #expect(error.fieldPath == "common_tls_context.tls_certificates[0].certificate_chain")
        #expect(error.message.contains("/nonexistent/cert.pem"))
    }

    @Test func encryptedKeyNeedsTheRightPassword() throws {
        let chain = DataSource.inlineString(pki.serverChainPEM)
        let key = DataSource.inlineString(pki.serverEncryptedKeyPEM)
        #expect(serverError(TLSCertificate(certificateChain: chain, privateKey: key, password: .inlineString(TestPKI.keyPassword))) == nil)
        let wrong = try #require(serverError(TLSCertificate(certificateChain: chain, privateKey: key, password: .inlineString("nope"))))
        #expect(wrong.fieldPath == "common_tls_context.tls_certificates[0].private_key")
        let missing = try #require(serverError(TLSCertificate(certificateChain: chain, privateKey: key)))
        #expect(missing.message.contains("without a password"))
    }

    @Test func badParameters() throws {
        let cipher = try #require(serverError(pki.serverCertificate, params: TLSParameters(cipherSuites: ["ECDHE-RSA-AES128-GCM-SHA256", "NOPE-CIPHER"])))
        #expect(cipher.fieldPath == "common_tls_context.tls_params.cipher_suites")
        #expect(cipher.message.contains("NOPE-CIPHER"))
        let curve = try #require(serverError(pki.serverCertificate, params: TLSParameters(ecdhCurves: ["P-999"])))
        #expect(curve.fieldPath == "common_tls_context.tls_params.ecdh_curves")
        let range = try #require(
            serverError(pki.serverCertificate, params: TLSParameters(minimumProtocolVersion: .tlsV1_3, maximumProtocolVersion: .tlsV1_2))
        )
        #expect(range.fieldPath.hasPrefix("common_tls_context.tls_params"))
    }

    @Test func sanMatchingWithoutTrustedCAIsRejected() throws {
        #expect(throws: TLSConfigurationError.self) {
            try pki.clientContext(
                validation: CertificateValidationContext(
                    matchTypedSubjectAltNames: [SubjectAltNameMatcher(sanType: .dns, matcher: try StringMatcher(.exact("a")))]
                )
            )
        }
    }

    @Test func clientAllowsOneCertificateOnly() throws {
        #expect(throws: TLSConfigurationError.self) {
            try TLSContext(
                configuration: UpstreamTLSContext(
                    commonTLSContext: CommonTLSContext(tlsCertificates: [pki.clientCertificate, pki.clientCertificate])
                )
            )
        }
    }

    @Test func missingEnvironmentVariable() throws {
        let error = try #require(
            serverError(TLSCertificate(certificateChain: .environmentVariable("RELAY_TEST_NO_SUCH_VARIABLE"), privateKey: .inlineString(pki.serverKeyPEM)))
        )
        #expect(error.message.contains("RELAY_TEST_NO_SUCH_VARIABLE"))
    }
}
