/// A TLS protocol version as Envoy's `TlsParameters.TlsProtocol` spells it.
public enum TLSProtocolVersion: String, Sendable, Hashable, Decodable, CaseIterable {
    /// Use the role's default (min TLS 1.2; max TLS 1.2 for clients, TLS 1.3 for servers).
    case auto = "TLS_AUTO"
    /// TLS 1.0.
    case tlsV1_0 = "TLSv1_0"
    /// TLS 1.1.
    case tlsV1_1 = "TLSv1_1"
    /// TLS 1.2.
    case tlsV1_2 = "TLSv1_2"
    /// TLS 1.3.
    case tlsV1_3 = "TLSv1_3"

    /// The wire version number (0x0301 … 0x0304); `nil` for ``auto``.
    var wireVersion: Int32? {
        switch self {
        case .auto: nil
        case .tlsV1_0: 0x0301
        case .tlsV1_1: 0x0302
        case .tlsV1_2: 0x0303
        case .tlsV1_3: 0x0304
        }
    }
}
