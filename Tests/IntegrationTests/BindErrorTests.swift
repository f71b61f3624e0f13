import NIOCore
import NIOPosix
import RelayServer
import Testing

/// A taken address is a thrown ``BindError`` naming the listener (or admin) and the address,
/// never a crash (issue 11 §1).
@Suite(.timeLimit(.minutes(1)))
struct BindErrorTests {
    @Test func listenerPortTaken() async throws {
        let holder = try await PortHolder.bind()
        let yaml = RelayProcessTests.yaml(backend: 9, listenerPort: holder.port)
        do {
            _ = try await RunningRelay.start(yaml: yaml, concurrency: 2)
            Issue.record("start() bound a taken port")
        } catch let error as BindError {
            #expect(error.listener == "front")
            #expect(error.address == "127.0.0.1:\(holder.port)")
            #expect(error.reason == "Address already in use")
            #expect("\(error)" == "error adding listener 'front': cannot bind '127.0.0.1:\(holder.port)': Address already in use")
        }
        await holder.close()
    }

    @Test func adminPortTakenReleasesTheListeners() async throws {
        let holder = try await PortHolder.bind()
        let free = try await PortHolder.bind()
        let listenerPort = free.port
        await free.close()
        let yaml = RelayProcessTests.yaml(backend: 9, listenerPort: listenerPort, adminPort: holder.port)
        await #expect(throws: BindError.self) { _ = try await RunningRelay.start(yaml: yaml) }
        // The listener bound before the admin failed was closed again: its port binds now.
        let rebound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: listenerPort)
            .get()
        try await rebound.close()
        await holder.close()
    }
}
