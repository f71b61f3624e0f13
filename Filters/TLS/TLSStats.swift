import Relay

/// Envoy's TLS stats under `<listener or cluster scope>.ssl.`: fixed counters made once per
/// config; `versions.*`, `ciphers.*` and `curves.*` made on first use.
final class TLSStats: Sendable {
    private let scope: StatsScope
    let handshake: Counter
    let connectionError: Counter
    let noCertificate: Counter
    let failVerifyNoCert: Counter
    let failVerifyError: Counter
    let failVerifySAN: Counter
    let failVerifyCertHash: Counter
    let sessionReused: Counter

    init(scope: StatsScope) {
        let ssl = scope.scope("ssl")
        self.scope = ssl
        handshake = ssl.counter("handshake")
        connectionError = ssl.counter("connection_error")
        noCertificate = ssl.counter("no_certificate")
        failVerifyNoCert = ssl.counter("fail_verify_no_cert")
        failVerifyError = ssl.counter("fail_verify_error")
        failVerifySAN = ssl.counter("fail_verify_san")
        failVerifyCertHash = ssl.counter("fail_verify_cert_hash")
        sessionReused = ssl.counter("session_reused")
    }

    func record(_ event: TLSStatEvent) {
        switch event {
        case .handshake: handshake.increment()
        case .sessionReused: sessionReused.increment()
        case .noCertificate: noCertificate.increment()
        case .connectionError: connectionError.increment()
        case .failVerifyNoCert: failVerifyNoCert.increment()
        case .failVerifyError: failVerifyError.increment()
        case .failVerifySAN: failVerifySAN.increment()
        case .failVerifyCertHash: failVerifyCertHash.increment()
        case .version, .cipher, .curve: scope.counter(event.statName).increment()
        }
    }
}
