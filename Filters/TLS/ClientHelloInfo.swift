/// The fields of a ClientHello that listener filters and filter-chain matching use.
public struct ClientHelloInfo: Sendable, Hashable {
    /// The requested server name (SNI host_name), lowercased; `nil` if absent.
    public var serverName: String?
    /// The ALPN protocols offered, in the client's order; empty if absent.
    public var applicationProtocols: [String] = []
    /// `legacy_version` (0x0303 for TLS 1.2 and 1.3 hellos).
    public var legacyVersion: UInt16 = 0
    /// Offered cipher suites, in order (GREASE included).
    public var cipherSuites: [UInt16] = []
    /// Extension types, in order (GREASE included).
    public var extensionTypes: [UInt16] = []
    /// `supported_groups`, in order.
    public var supportedGroups: [UInt16] = []
    /// `ec_point_formats`.
    public var ecPointFormats: [UInt8] = []
    /// `signature_algorithms`, in order.
    public var signatureAlgorithms: [UInt16] = []
    /// `supported_versions`, in order.
    public var supportedVersions: [UInt16] = []
    /// Bytes of the stream the ClientHello occupied, record headers included
    /// (`tls_inspector.bytes_processed`).
    public var bytesProcessed: Int = 0

    /// Creates an empty description.
    public init() {}

    /// The JA3 fingerprint input: `version,ciphers,extensions,groups,point_formats`, values in
    /// decimal joined by `-`, GREASE values removed. Hash it with MD5 for the JA3 hash.
    public var ja3String: String {
        func list(_ values: [UInt16]) -> String {
            values.filter { !Self.isGREASE($0) }.map(String.init).joined(separator: "-")
        }
        return [
            String(legacyVersion),
            list(cipherSuites),
            list(extensionTypes),
            list(supportedGroups),
            ecPointFormats.map(String.init).joined(separator: "-"),
        ].joined(separator: ",")
    }

    /// Whether a value is a GREASE placeholder (RFC 8701).
    static func isGREASE(_ value: UInt16) -> Bool {
        value & 0x0F0F == 0x0A0A && value >> 8 == value & 0xFF
    }
}
