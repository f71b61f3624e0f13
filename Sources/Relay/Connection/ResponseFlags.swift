/// Envoy's response flags that apply to L4 connections, rendered with Envoy's short names.
public struct ResponseFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `UH`: no healthy upstream host.
    public static let noHealthyUpstream = ResponseFlags(rawValue: 1 << 0)
    /// `UF`: upstream connection failure.
    public static let upstreamConnectionFailure = ResponseFlags(rawValue: 1 << 1)
    /// `UO`: upstream overflow (circuit breaker).
    public static let upstreamOverflow = ResponseFlags(rawValue: 1 << 2)
    /// `NR`: no route / no matching filter chain.
    public static let noRoute = ResponseFlags(rawValue: 1 << 3)
    /// `URX`: upstream retry limit exceeded (max connect attempts).
    public static let upstreamRetryLimitExceeded = ResponseFlags(rawValue: 1 << 4)
    /// `NC`: no cluster found.
    public static let noClusterFound = ResponseFlags(rawValue: 1 << 5)
    /// `UR`: upstream remote reset.
    public static let upstreamRemoteReset = ResponseFlags(rawValue: 1 << 6)
    /// `SI`: stream idle timeout (tcp_proxy idle_timeout fired).
    public static let streamIdleTimeout = ResponseFlags(rawValue: 1 << 7)
    /// `DC`: downstream connection termination.
    public static let downstreamConnectionTermination = ResponseFlags(rawValue: 1 << 8)

    /// In Envoy's flag-bit order, which is the order `%RESPONSE_FLAGS%` joins them in.
    private static let shortNames: [(ResponseFlags, String)] = [
        (.noHealthyUpstream, "UH"), (.upstreamRemoteReset, "UR"), (.upstreamConnectionFailure, "UF"),
        (.upstreamOverflow, "UO"), (.noRoute, "NR"), (.downstreamConnectionTermination, "DC"),
        (.upstreamRetryLimitExceeded, "URX"), (.streamIdleTimeout, "SI"), (.noClusterFound, "NC"),
    ]

    /// Envoy's short form: flags joined with `,`, or `-` when there are none.
    public var description: String {
        let names = Self.shortNames.filter { contains($0.0) }.map(\.1)
        return names.isEmpty ? "-" : names.joined(separator: ",")
    }
}
