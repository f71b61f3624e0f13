extension ClusterConfig {
    /// `envoy.config.endpoint.v3.ClusterLoadAssignment`.
    public struct LoadAssignment: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.endpoint.v3.ClusterLoadAssignment`.
        public static let configTypeName = "envoy.config.endpoint.v3.ClusterLoadAssignment"

        /// `cluster_name` (non-empty).
        public var clusterName: String
        /// `endpoints`: per-locality endpoint groups.
        public var endpoints: [LocalityEndpoints]
        /// `policy`, kept as a node.
        public var policy: ConfigNode?
        /// Where the assignment starts.
        public var mark: Mark

        private enum CodingKeys: String, CodingKey {
            case clusterName = "cluster_name"
            case endpoints, policy
            case namedEndpoints = "named_endpoints"
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mark = decoder.configMark ?? .file("<unknown>")
            let name = try container.decodeIfPresent(Marked<String>.self, forKey: .clusterName)
            guard let name, !name.value.isEmpty else {
                throw ConfigError("load_assignment needs a non-empty 'cluster_name'", at: name?.mark ?? mark)
            }
            clusterName = name.value
            endpoints = try container.decodeIfPresent([LocalityEndpoints].self, forKey: .endpoints) ?? []
            policy = try container.decodeIfPresent(ConfigNode.self, forKey: .policy)
            if let keyMark = container.configKeyMark(forKey: .namedEndpoints) {
                throw ConfigError("'named_endpoints' is not supported", at: keyMark)
            }
        }
    }

    /// `envoy.config.endpoint.v3.LocalityLbEndpoints`.
    public struct LocalityEndpoints: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.endpoint.v3.LocalityLbEndpoints`.
        public static let configTypeName = "envoy.config.endpoint.v3.LocalityLbEndpoints"

        /// `locality`.
        public var locality: Locality?
        /// `lb_endpoints`.
        public var lbEndpoints: [LbEndpoint]
        /// `load_balancing_weight` (≥ 1 when set).
        public var loadBalancingWeight: UInt32?
        /// `priority` (0 = highest).
        public var priority: UInt32
        /// Where the group starts.
        public var mark: Mark

        private enum CodingKeys: String, CodingKey {
            case locality
            case lbEndpoints = "lb_endpoints"
            case loadBalancingWeight = "load_balancing_weight"
            case priority
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mark = decoder.configMark ?? .file("<unknown>")
            locality = try container.decodeIfPresent(Locality.self, forKey: .locality)
            lbEndpoints = try container.decodeIfPresent([LbEndpoint].self, forKey: .lbEndpoints) ?? []
            loadBalancingWeight = try ClusterConfig.weight(container, .loadBalancingWeight)
            priority = try container.decodeIfPresent(UInt32.self, forKey: .priority) ?? 0
        }
    }

    /// `envoy.config.endpoint.v3.LbEndpoint`.
    public struct LbEndpoint: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.endpoint.v3.LbEndpoint`.
        public static let configTypeName = "envoy.config.endpoint.v3.LbEndpoint"

        /// `envoy.config.core.v3.HealthStatus`.
        public enum HealthStatus: String, ConfigEnum {
            case unknown = "UNKNOWN"
            case healthy = "HEALTHY"
            case unhealthy = "UNHEALTHY"
            case draining = "DRAINING"
            case timeout = "TIMEOUT"
            case degraded = "DEGRADED"
        }

        /// `endpoint`.
        public var endpoint: Endpoint?
        /// `health_status` (default UNKNOWN).
        public var healthStatus: HealthStatus
        /// `metadata`.
        public var metadata: ConfigMetadata?
        /// `load_balancing_weight` (≥ 1 when set).
        public var loadBalancingWeight: UInt32?
        /// Where the entry starts.
        public var mark: Mark

        private enum CodingKeys: String, CodingKey {
            case endpoint
            case healthStatus = "health_status"
            case metadata
            case loadBalancingWeight = "load_balancing_weight"
            case endpointName = "endpoint_name"
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mark = decoder.configMark ?? .file("<unknown>")
            endpoint = try container.decodeIfPresent(Endpoint.self, forKey: .endpoint)
            healthStatus = try container.decodeIfPresent(HealthStatus.self, forKey: .healthStatus) ?? .unknown
            metadata = try container.decodeIfPresent(ConfigMetadata.self, forKey: .metadata)
            loadBalancingWeight = try ClusterConfig.weight(container, .loadBalancingWeight)
            if let keyMark = container.configKeyMark(forKey: .endpointName) {
                throw ConfigError("'endpoint_name' is not supported", at: keyMark)
            }
        }
    }

    /// `envoy.config.endpoint.v3.Endpoint`.
    public struct Endpoint: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.endpoint.v3.Endpoint`.
        public static let configTypeName = "envoy.config.endpoint.v3.Endpoint"

        /// `address`.
        public var address: AddressConfig?
        /// `health_check_config.port_value` (0 = the endpoint's port).
        public var healthCheckPort: Int
        /// `health_check_config.hostname`.
        public var healthCheckHostname: String
        /// `hostname`.
        public var hostname: String

        private enum CodingKeys: String, CodingKey {
            case address
            case healthCheckConfig = "health_check_config"
            case hostname
            case additionalAddresses = "additional_addresses"
        }

        private struct HealthCheckConfig: Decodable, ConfigTypeNaming {
            static let configTypeName = "envoy.config.endpoint.v3.Endpoint.HealthCheckConfig"
            var port: Int
            var hostname: String

            private enum CodingKeys: String, CodingKey {
                case portValue = "port_value"
                case hostname
                case address
                case disableActiveHealthCheck = "disable_active_health_check"
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                let port = try container.decodeIfPresent(Marked<UInt32>.self, forKey: .portValue)
                if let port, port.value > 65535 {
                    throw ConfigError("port_value \(port.value) is out of range: must be at most 65535", at: port.mark)
                }
                self.port = Int(port?.value ?? 0)
                hostname = try container.decodeIfPresent(String.self, forKey: .hostname) ?? ""
                _ = try container.decodeIfPresent(ConfigNode.self, forKey: .address)
                _ = try container.decodeIfPresent(Bool.self, forKey: .disableActiveHealthCheck)
            }
        }

        /// Decodes from YAML.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            address = try container.decodeIfPresent(AddressConfig.self, forKey: .address)
            let check = try container.decodeIfPresent(HealthCheckConfig.self, forKey: .healthCheckConfig)
            healthCheckPort = check?.port ?? 0
            healthCheckHostname = check?.hostname ?? ""
            hostname = try container.decodeIfPresent(String.self, forKey: .hostname) ?? ""
            if let keyMark = container.configKeyMark(forKey: .additionalAddresses) {
                throw ConfigError("endpoint 'additional_addresses' are not supported", at: keyMark)
            }
        }
    }

    /// Decodes an optional `load_balancing_weight`, which must be ≥ 1 when set.
    fileprivate static func weight<Key: CodingKey>(
        _ container: KeyedDecodingContainer<Key>,
        _ key: Key
    ) throws -> UInt32? {
        guard let weight = try container.decodeIfPresent(Marked<UInt32>.self, forKey: key) else { return nil }
        guard weight.value >= 1 else {
            throw ConfigError("load_balancing_weight must be at least 1", at: weight.mark)
        }
        return weight.value
    }
}
