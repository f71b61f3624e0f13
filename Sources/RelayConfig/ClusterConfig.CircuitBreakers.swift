extension ClusterConfig {
    /// `envoy.config.cluster.v3.CircuitBreakers`.
    public struct CircuitBreakers: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.cluster.v3.CircuitBreakers`.
        public static let configTypeName = "envoy.config.cluster.v3.CircuitBreakers"

        /// `envoy.config.core.v3.RoutingPriority`.
        public enum RoutingPriority: String, ConfigEnum {
            case `default` = "DEFAULT"
            case high = "HIGH"
        }

        /// `CircuitBreakers.Thresholds`; unset limits take Envoy's defaults.
        public struct Thresholds: Sendable, Hashable, Decodable, ConfigTypeNaming {
            /// `envoy.config.cluster.v3.CircuitBreakers.Thresholds`.
            public static let configTypeName = "envoy.config.cluster.v3.CircuitBreakers.Thresholds"

            /// `priority` (default DEFAULT).
            public var priority: RoutingPriority
            /// `max_connections` (default 1024).
            public var maxConnections: UInt32
            /// `max_pending_requests` (default 1024).
            public var maxPendingRequests: UInt32
            /// `max_requests` (default 1024).
            public var maxRequests: UInt32
            /// `max_retries` (default 3).
            public var maxRetries: UInt32
            /// `max_connection_pools` (nil = unlimited).
            public var maxConnectionPools: UInt32?
            /// `track_remaining`.
            public var trackRemaining: Bool
            /// `retry_budget`, kept as a node.
            public var retryBudget: ConfigNode?

            /// Envoy's defaults for `priority`.
            public init(priority: RoutingPriority = .default) {
                self.priority = priority
                maxConnections = 1024
                maxPendingRequests = 1024
                maxRequests = 1024
                maxRetries = 3
                maxConnectionPools = nil
                trackRemaining = false
                retryBudget = nil
            }

            private enum CodingKeys: String, CodingKey {
                case priority
                case maxConnections = "max_connections"
                case maxPendingRequests = "max_pending_requests"
                case maxRequests = "max_requests"
                case maxRetries = "max_retries"
                case maxConnectionPools = "max_connection_pools"
                case trackRemaining = "track_remaining"
                case retryBudget = "retry_budget"
            }

            /// Decodes from YAML.
            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                priority = try container.decodeIfPresent(RoutingPriority.self, forKey: .priority) ?? .default
                maxConnections = try container.decodeIfPresent(UInt32.self, forKey: .maxConnections) ?? 1024
                maxPendingRequests = try container.decodeIfPresent(UInt32.self, forKey: .maxPendingRequests) ?? 1024
                maxRequests = try container.decodeIfPresent(UInt32.self, forKey: .maxRequests) ?? 1024
                maxRetries = try container.decodeIfPresent(UInt32.self, forKey: .maxRetries) ?? 3
                maxConnectionPools = try container.decodeIfPresent(UInt32.self, forKey: .maxConnectionPools)
                trackRemaining = try container.decodeIfPresent(Bool.self, forKey: .trackRemaining) ?? false
                retryBudget = try container.decodeIfPresent(ConfigNode.self, forKey: .retryBudget)
            }
        }

        /// `thresholds`.
        public var thresholds: [Thresholds]
        /// `per_host_thresholds`, kept as nodes.
        public var perHostThresholds: [ConfigNode]

        /// The thresholds for `priority` (Envoy's defaults when not configured).
        public func thresholds(for priority: RoutingPriority) -> Thresholds {
            thresholds.first { $0.priority == priority } ?? Thresholds(priority: priority)
        }

        private enum CodingKeys: String, CodingKey {
            case thresholds
            case perHostThresholds = "per_host_thresholds"
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            thresholds = try container.decodeIfPresent([Thresholds].self, forKey: .thresholds) ?? []
            perHostThresholds = try container.decodeIfPresent([ConfigNode].self, forKey: .perHostThresholds) ?? []
        }
    }
}
