import Logging
import NIOCore
import Relay
import RelayConfig

/// Extension resolution: a registry entry found by `@type` (else by name), its config decoded
/// from the node and prepared once with a `FactoryContext`; errors at their `file:line:col`.
extension ConfigurationBuilder {
    // MARK: - Extensions

    /// The factory context of one extension. `localInfo` is the one `build()` computed.
    func context(scope: StatsScope, localInfo: LocalInfo, listener: ListenerConfig? = nil, cluster: String? = nil) -> FactoryContext {
        let direction: TrafficDirection
        switch listener?.trafficDirection {
        case .inbound?: direction = .inbound
        case .outbound?: direction = .outbound
        default: direction = .unspecified
        }
        return FactoryContext(
            stats: stats,
            scope: scope,
            clusterManager: clusterManagerReference,
            localInfo: localInfo,
            listenerName: listener?.displayName,
            trafficDirection: direction,
            clusterName: cluster,
            logger: logger
        )
    }

    /// Resolves and prepares one extension.
    func prepare(
        _ named: String,
        typed: TypedConfig?,
        mark: Mark,
        category: FilterRegistry.Category,
        context: FactoryContext
    ) throws -> (FilterRegistry.Entry, PreparedExtension) {
        guard let entry = registry.lookup(category, name: named, typeURL: typed?.typeURL) else {
            if let missing = EnvoyExtensionCatalog.unsupported(name: named, typeURL: typed?.typeURL) {
                throw ConfigError("'\(missing)' is not supported by Relay", at: typed?.typeURLMark ?? mark)
            }
            let entries = registry.entries(category)
            if let typed {
                let known = entries.flatMap(\.typeURLs).sorted()
                let near = EnvoyExtensionCatalog.closest(to: typed.typeURL, in: known)
                throw ConfigError(
                    "unknown \(category.rawValue) @type '\(typed.typeURL)'"
                        + (near.isEmpty ? "" : "; did you mean '\(near.joined(separator: "' or '"))'?")
                        + " (registered type URLs: \(known.isEmpty ? "none" : known.joined(separator: ", ")))",
                    at: typed.typeURLMark
                )
            }
            let known = entries.map(\.name.rawValue).sorted()
            let near = EnvoyExtensionCatalog.closest(to: named, in: known)
            throw ConfigError(
                "unknown \(category.rawValue) '\(named)'"
                    + (near.isEmpty ? "" : "; did you mean '\(near.joined(separator: "' or '"))'?")
                    + " (registered: \(known.isEmpty ? "none" : known.joined(separator: ", ")))",
                at: mark
            )
        }
        let body = typed?.value ?? ConfigNode.emptyMapping(at: mark)
        let message = entry.typeURLs.first.map { String($0.split(separator: "/").last ?? Substring($0)) }
        let decoding = NodeConfigDecoding(node: body, decoder: decoder, messageName: message)
        do {
            return (entry, try registry.prepare(entry, config: decoding, context: context))
        } catch {
            throw ConfigErrorMapping.map(error, in: body, fallback: typed?.mark ?? mark)
        }
    }
}
