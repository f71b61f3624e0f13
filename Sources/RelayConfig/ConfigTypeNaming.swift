/// Lets a `Decodable` config type choose the name used in its decoding errors
/// (`unknown field 'foo' in envoy.config.cluster.v3.Cluster`). Without it the Swift type name
/// is used.
public protocol ConfigTypeNaming {
    /// The name shown in errors, typically the Envoy protobuf message name.
    static var configTypeName: String { get }
}
