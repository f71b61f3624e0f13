/// The Envoy command-line options a server was started with, beyond its configuration and
/// concurrency: what `/server_info` reports under `command_line_options` (Envoy's
/// `envoy.admin.v3.CommandLineOptions` names), with Envoy's defaults.
///
/// Several exist in Envoy for hot restart, which Relay does not have (Relay always runs as
/// with `--disable-hot-restart`): ``baseID`` and ``parentShutdownTime`` are accepted and shown
/// but change nothing.
public struct CommandLineOptions: Sendable, Hashable {
    /// `--drain-strategy`: how Envoy's drain sequence asks connections to close. Relay's
    /// network filters never drain-close a connection (Envoy's tcp_proxy does not either), so
    /// both strategies drain TCP alike: listeners close after the drain time.
    public enum DrainStrategy: String, Sendable, Hashable, CaseIterable {
        /// Envoy's default: drain-close probability rises over the drain time.
        case gradual
        /// Every connection is asked to close as soon as draining starts.
        case immediate
    }

    /// `--local-address-ip-version`: the IP version of the node's own address.
    public enum IPVersion: String, Sendable, Hashable, CaseIterable {
        /// IPv4 (Envoy's default).
        case v4
        /// IPv6.
        case v6
    }

    /// `--base-id` (hot restart shared-memory id; informational in Relay).
    public var baseID: UInt32 = 0
    /// `--drain-strategy`.
    public var drainStrategy: DrainStrategy = .gradual
    /// `--parent-shutdown-time-s` (hot restart; informational in Relay).
    public var parentShutdownTime: Duration = .seconds(900)
    /// `--file-flush-interval-msec`: the longest an access-log line waits in its file's buffer
    /// before a background thread writes it (a buffer of 64 KiB is written at once). A server
    /// sets the process-wide `AccessLogger.fileFlushInterval` from it.
    public var fileFlushInterval: Duration = .milliseconds(10_000)
    /// `--local-address-ip-version`.
    public var localAddressIPVersion: IPVersion = .v4
    /// `--reject-unknown-dynamic-fields` (Relay has only static configuration, where unknown
    /// fields are always errors).
    public var rejectUnknownDynamicFields = false
    /// `--log-level` as given.
    public var logLevel = "info"
    /// `--component-log-level` as given.
    public var componentLogLevel = ""
    /// `--log-format` as given.
    public var logFormat = ""
    /// `--log-path` as given.
    public var logPath = ""
    /// `--service-cluster` as given.
    public var serviceCluster = ""
    /// `--service-node` as given.
    public var serviceNode = ""
    /// `--service-zone` as given.
    public var serviceZone = ""
    /// `--config-path` as given.
    public var configPath = ""
    /// `--config-yaml` as given.
    public var configYAML = ""
    /// `--admin-address-path` as given.
    public var adminAddressPath = ""

    /// Envoy's defaults.
    public init() {}
}
