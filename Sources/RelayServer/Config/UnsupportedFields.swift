import Logging
import RelayConfig

/// Relay's rule for Envoy fields it does not implement: a field that could change where
/// bytes go, who is let in, or how sockets behave is refused at load
/// (`'<field>' is not supported by Relay`); one that cannot is accepted with one startup
/// warning naming it. Fields Relay honours never reach here. The table in
/// `Sources/RelayConfig/RelayConfig.docc/SupportedFields.md` lists every field's status.
struct UnsupportedFields {
    let logger: Logger

    private func refuse(_ field: String, at mark: Mark, _ hint: String = "") throws -> Never {
        throw ConfigError("'\(field)' is not supported by Relay" + (hint.isEmpty ? "" : "; \(hint)"), at: mark)
    }

    private func warn(_ field: String, in owner: String, _ why: String) {
        logger.warning("'\(field)' is accepted but not used by Relay: \(why)", metadata: ["in": "\(owner)"])
    }

    /// Checks the bootstrap's own fields.
    func check(_ bootstrap: Bootstrap) throws {
        for field in bootstrap.ignoredFields {
            warn(field, in: "bootstrap", "it does not change what Relay proxies")
        }
        if bootstrap.layeredRuntime != nil {
            warn("layered_runtime", in: "bootstrap", "Relay has no runtime overrides; the static values apply")
        }
    }

    /// Checks a listener's fields.
    func check(_ listener: ListenerConfig) throws {
        if listener.useOriginalDst {
            try refuse("use_original_dst", at: listener.mark, "listener hand-off by original destination is not implemented yet")
        }
        if !listener.bindToPort {
            try refuse("bind_to_port: false", at: listener.mark, "every Relay listener binds its address")
        }
        if let additional = listener.additionalAddresses.first {
            try refuse("additional_addresses", at: additional.socketAddress?.mark ?? listener.mark, "declare one listener per address")
        }
        if listener.connectionBalanceConfig != nil {
            warn("connection_balance_config", in: listener.displayName, "each event loop accepts on its own SO_REUSEPORT socket")
        }
        if listener.enableReusePort == false {
            warn("enable_reuse_port: false", in: listener.displayName, "each event loop accepts on its own SO_REUSEPORT socket")
        }
    }

    /// Checks a cluster's fields.
    func check(_ cluster: ClusterConfig) throws {
        if let match = cluster.transportSocketMatches.first {
            try refuse("transport_socket_matches", at: match.mark, "use one transport_socket per cluster")
        }
        if let common = cluster.commonLbConfig {
            // Its settings (healthy_panic_threshold, zone/locality weighting, …) change which host
            // is picked once outlier detection ejects hosts: an empty one is all Relay accepts.
            if let entry = common.mapping?.entries.first {
                try refuse("common_lb_config.\(entry.keyString)", at: entry.key.mark, "Relay keeps Envoy's defaults (50% panic threshold)")
            }
        }
        if cluster.typedExtensionProtocolOptions != nil {
            warn("typed_extension_protocol_options", in: cluster.name, "they configure HTTP, and Relay proxies TCP")
        }
    }
}
