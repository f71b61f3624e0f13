import TLS
import NIOCore
import Testing

@Suite struct TLSSessionResumptionTests {
    let pki = TestPKI.shared

    private func connect(_ client: TLSContext, _ server: TLSContext) throws -> (TLSSessionInfo, TLSSessionInfo) {
        var pair = try BackToBack(client: client, server: server)
        let (clientResult, serverResult) = pair.handshake()
        // TLS 1.3 tickets arrive after the handshake; reading processes them.
        var sink = ByteBuffer()
        _ = try pair.client.readPlaintext(into: &sink)
        return (try #require(clientResult.info), try #require(serverResult.info))
    }

    @Test(arguments: [TLSProtocolVersion.tlsV1_2, .tlsV1_3])
    func secondConnectionResumes(_ version: TLSProtocolVersion) throws {
        let client = try pki.clientContext(validation: pki.trustingCA, params: TLSParameters(maximumProtocolVersion: version))
        let server = try pki.serverContext()
        let (first, _) = try connect(client, server)
        #expect(!first.sessionReused)
        let (second, secondServer) = try connect(client, server)
        #expect(second.sessionReused && secondServer.sessionReused)
        #expect(second.statEvents.contains(.sessionReused))
        #expect(second.peerCertificateValidated)
        #expect(second.peerURISANs == [TestPKI.serverSPIFFE])
    }

    @Test func zeroSessionKeysDisablesResumption() throws {
        let client = try TLSContext(configuration: UpstreamTLSContext(maxSessionKeys: 0))
        let server = try pki.serverContext()
        _ = try connect(client, server)
        let (second, _) = try connect(client, server)
        #expect(!second.sessionReused)
    }
}
