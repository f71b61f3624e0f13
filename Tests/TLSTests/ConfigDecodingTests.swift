import TLS
import Foundation
import Testing

@Suite struct ConfigDecodingTests {
    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test func downstreamContext() throws {
        let context = try decode(
            DownstreamTLSContext.self,
            """
            {"common_tls_context": {
               "tls_params": {"tls_minimum_protocol_version": "TLSv1_2", "tls_maximum_protocol_version": "TLSv1_3",
                              "cipher_suites": ["ECDHE-RSA-AES128-GCM-SHA256"], "ecdh_curves": ["X25519"]},
               "tls_certificates": [{"certificate_chain": {"filename": "/etc/certs/cert.pem"},
                                     "private_key": {"inline_bytes": "a2V5"}, "password": {"environment_variable": "PW"}}],
               "validation_context": {"trusted_ca": {"inline_string": "PEM"},
                  "match_typed_subject_alt_names": [{"san_type": "URI", "matcher": {"exact": "spiffe://a/b"}},
                                                    {"san_type": "DNS", "matcher": {"safe_regex": {"google_re2": {}, "regex": ".*\\\\.example\\\\.com"}}}],
                  "trust_chain_verification": "ACCEPT_UNTRUSTED", "max_verify_depth": 3},
               "alpn_protocols": ["h2", "http/1.1"]},
             "require_client_certificate": true, "session_timeout": "300s",
             "disable_stateless_session_resumption": true, "prefer_client_ciphers": true}
            """
        )
        #expect(context.requireClientCertificate)
        #expect(context.sessionTimeout == .seconds(300))
        #expect(context.disableStatelessSessionResumption && context.preferClientCiphers)
        let common = context.commonTLSContext
        #expect(common.tlsParams.maximumProtocolVersion == .tlsV1_3)
        #expect(common.tlsParams.cipherSuites == ["ECDHE-RSA-AES128-GCM-SHA256"])
        #expect(common.tlsCertificates.first?.certificateChain == .filename("/etc/certs/cert.pem"))
        #expect(common.tlsCertificates.first?.privateKey == .inlineBytes(Array("key".utf8)))
        #expect(common.tlsCertificates.first?.password == .environmentVariable("PW"))
        #expect(common.alpnProtocols == ["h2", "http/1.1"])
        let validation = try #require(common.validationContext)
        #expect(validation.trustChainVerification == .acceptUntrusted)
        #expect(validation.maxVerifyDepth == 3)
        #expect(validation.matchTypedSubjectAltNames.count == 2)
        #expect(validation.matchTypedSubjectAltNames[1].matcher.matches("api.example.com"))
        #expect(!validation.matchTypedSubjectAltNames[1].matcher.matches("api.example.org"))
    }

    @Test func upstreamContextDefaults() throws {
        let context = try decode(UpstreamTLSContext.self, #"{"sni": "backend.local"}"#)
        #expect(context.sni == "backend.local")
        #expect(context.maxSessionKeys == 1)
        #expect(!context.allowRenegotiation)
        #expect(context.commonTLSContext.tlsParams.minimumProtocolVersion == .auto)
    }

    @Test func combinedValidationContext() throws {
        let common = try decode(
            CommonTLSContext.self,
            #"{"combined_validation_context": {"default_validation_context": {"match_subject_alt_names": [{"suffix": ".local", "ignore_case": true}]}}}"#
        )
        #expect(common.validationContext?.matchSubjectAltNames.first?.matches("A.LOCAL") == true)
    }

    @Test func invalidInputs() {
        #expect(throws: DecodingError.self) { try decode(DataSource.self, #"{"filename": "a", "inline_string": "b"}"#) }
        #expect(throws: DecodingError.self) { try decode(DataSource.self, "{}") }
        #expect(throws: DecodingError.self) { try decode(StringMatcher.self, #"{"safe_regex": {"regex": "("}}"#) }
        #expect(throws: DecodingError.self) { try decode(TLSParameters.self, #"{"tls_minimum_protocol_version": "TLSv9"}"#) }
        #expect(throws: DecodingError.self) { try decode(DownstreamTLSContext.self, #"{"session_timeout": "5 minutes"}"#) }
        #expect(throws: DecodingError.self) { try decode(TLSInspectorConfig.self, #"{"max_client_hello_size": 20000}"#) }
        #expect(throws: DecodingError.self) { try decode(TLSInspectorConfig.self, #"{"initial_read_buffer_size": 100}"#) }
    }

    @Test func inspectorConfig() throws {
        let config = try decode(
            TLSInspectorConfig.self,
            #"{"enable_ja3_fingerprinting": true, "max_client_hello_size": 4096, "initial_read_buffer_size": 512}"#
        )
        #expect(config.enableJA3Fingerprinting && !config.enableJA4Fingerprinting)
        #expect(config.parser.maxClientHelloSize == 4096)
        #expect(config.initialPeekSize == 512)
        #expect(try decode(TLSInspectorConfig.self, "{}").maxClientHelloSize == 16384)
    }

    @Test func stringMatchers() throws {
        #expect(try StringMatcher(.exact("Abc"), ignoreCase: true).matches("aBC"))
        #expect(try !StringMatcher(.exact("Abc")).matches("abc"))
        #expect(try StringMatcher(.prefix("spiffe://")).matches("spiffe://x"))
        #expect(try StringMatcher(.suffix("/sa/client")).matches("spiffe://cluster.local/ns/default/sa/client"))
        #expect(try StringMatcher(.contains("/ns/default/")).matches("spiffe://cluster.local/ns/default/sa/client"))
        #expect(try StringMatcher(.safeRegex("spiffe://cluster\\.local/ns/[a-z]+/sa/client")).matches(TestPKI.clientSPIFFE))
        // safe_regex is a full match.
        #expect(try !StringMatcher(.safeRegex("cluster")).matches(TestPKI.clientSPIFFE))
    }
}
