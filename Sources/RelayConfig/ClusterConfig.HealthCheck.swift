import RelayValues

extension ClusterConfig {
    /// `envoy.config.core.v3.HealthCheck`: timing and thresholds decoded, the TCP checker
    /// decoded, other checkers kept as nodes. ``node`` holds the whole entry.
    public struct HealthCheck: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.core.v3.HealthCheck`.
        public static let configTypeName = "envoy.config.core.v3.HealthCheck"

        /// `HealthCheck.Payload`: bytes given as hex `text` or base64 `binary`.
        public enum Payload: Sendable, Hashable, Decodable, ConfigTypeNaming {
            /// `envoy.config.core.v3.HealthCheck.Payload`.
            public static let configTypeName = "envoy.config.core.v3.HealthCheck.Payload"

            /// `text`: hex-encoded bytes (as written).
            case text(String)
            /// `binary`: the decoded bytes.
            case binary([UInt8])

            /// The payload bytes.
            public var bytes: [UInt8] {
                switch self {
                case .text(let hex): HealthCheck.decodeHex(hex) ?? []
                case .binary(let bytes): bytes
                }
            }

            private enum CodingKeys: String, CodingKey {
                case text, binary
            }

            /// Decodes from YAML; `text` must be hex, `binary` base64.
            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                let mark = decoder.configMark ?? .file("<unknown>")
                let text = try container.decodeIfPresent(Marked<String>.self, forKey: .text)
                let binary = try container.decodeIfPresent(Marked<String>.self, forKey: .binary)
                switch (text, binary) {
                case (let text?, nil):
                    guard HealthCheck.decodeHex(text.value) != nil else {
                        throw ConfigError(
                            "payload 'text' must be hex-encoded bytes, found '\(text.value)'",
                            at: text.mark
                        )
                    }
                    self = .text(text.value)
                case (nil, let binary?):
                    guard let bytes = HealthCheck.decodeBase64(binary.value) else {
                        throw ConfigError("payload 'binary' must be base64, found '\(binary.value)'", at: binary.mark)
                    }
                    self = .binary(bytes)
                default:
                    throw ConfigError("a health check payload needs exactly one of 'text' and 'binary'", at: mark)
                }
            }
        }

        /// `HealthCheck.TcpHealthCheck`: empty send/receive = connect-only check.
        public struct TCPHealthCheck: Sendable, Hashable, Decodable, ConfigTypeNaming {
            /// `envoy.config.core.v3.HealthCheck.TcpHealthCheck`.
            public static let configTypeName = "envoy.config.core.v3.HealthCheck.TcpHealthCheck"

            /// `send`.
            public var send: Payload?
            /// `receive`: blocks to find in order.
            public var receive: [Payload]
            /// `proxy_protocol_config`, kept as a node.
            public var proxyProtocolConfig: ConfigNode?

            private enum CodingKeys: String, CodingKey {
                case send, receive
                case proxyProtocolConfig = "proxy_protocol_config"
            }

            /// Decodes from YAML.
            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                send = try container.decodeIfPresent(Payload.self, forKey: .send)
                receive = try container.decodeIfPresent([Payload].self, forKey: .receive) ?? []
                proxyProtocolConfig = try container.decodeIfPresent(ConfigNode.self, forKey: .proxyProtocolConfig)
            }
        }

        /// `timeout` (required, > 0).
        public var timeout: ConfigDuration
        /// `interval` (required, > 0).
        public var interval: ConfigDuration
        /// `initial_jitter`.
        public var initialJitter: ConfigDuration?
        /// `interval_jitter`.
        public var intervalJitter: ConfigDuration?
        /// `interval_jitter_percent`.
        public var intervalJitterPercent: UInt32
        /// `unhealthy_threshold` (required).
        public var unhealthyThreshold: UInt32
        /// `healthy_threshold` (required).
        public var healthyThreshold: UInt32
        /// `reuse_connection` (default true).
        public var reuseConnection: Bool
        /// `no_traffic_interval`.
        public var noTrafficInterval: ConfigDuration?
        /// `no_traffic_healthy_interval`.
        public var noTrafficHealthyInterval: ConfigDuration?
        /// `unhealthy_interval`.
        public var unhealthyInterval: ConfigDuration?
        /// `unhealthy_edge_interval`.
        public var unhealthyEdgeInterval: ConfigDuration?
        /// `healthy_edge_interval`.
        public var healthyEdgeInterval: ConfigDuration?
        /// `event_log_path`.
        public var eventLogPath: String
        /// `tcp_health_check`, if this is a TCP check.
        public var tcpHealthCheck: TCPHealthCheck?
        /// `http_health_check`, kept as a node.
        public var httpHealthCheck: ConfigNode?
        /// `grpc_health_check`, kept as a node.
        public var grpcHealthCheck: ConfigNode?
        /// `custom_health_check`, kept as a node.
        public var customHealthCheck: ConfigNode?
        /// The whole health-check entry.
        public var node: ConfigNode
        /// Where the entry starts.
        public var mark: Mark

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case timeout, interval
            case initialJitter = "initial_jitter"
            case intervalJitter = "interval_jitter"
            case intervalJitterPercent = "interval_jitter_percent"
            case unhealthyThreshold = "unhealthy_threshold"
            case healthyThreshold = "healthy_threshold"
            case reuseConnection = "reuse_connection"
            case noTrafficInterval = "no_traffic_interval"
            case noTrafficHealthyInterval = "no_traffic_healthy_interval"
            case unhealthyInterval = "unhealthy_interval"
            case unhealthyEdgeInterval = "unhealthy_edge_interval"
            case healthyEdgeInterval = "healthy_edge_interval"
            case eventLogPath = "event_log_path"
            case tcpHealthCheck = "tcp_health_check"
            case httpHealthCheck = "http_health_check"
            case grpcHealthCheck = "grpc_health_check"
            case customHealthCheck = "custom_health_check"
            // Accepted and kept only in `node`.
            case altPort = "alt_port"
            case eventLogger = "event_logger"
            case alwaysLogHealthCheckFailures = "always_log_health_check_failures"
            case alwaysLogHealthCheckSuccess = "always_log_health_check_success"
            case tlsOptions = "tls_options"
            case transportSocketMatchCriteria = "transport_socket_match_criteria"
            case healthyThresholdOverride = "initial_healthy_threshold"
        }

        /// Decodes from YAML; timeout, interval and both thresholds are required.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let entryMark = decoder.configMark ?? .file("<unknown>")
            mark = entryMark
            node = decoder.configNode ?? .emptyMapping(at: entryMark)
            func required<T: Decodable>(_ type: T.Type, _ key: CodingKeys) throws -> Marked<T> {
                guard let value = try container.decodeIfPresent(Marked<T>.self, forKey: key) else {
                    throw ConfigError("health check needs '\(key.stringValue)'", at: entryMark)
                }
                return value
            }
            let timeout = try required(ConfigDuration.self, .timeout)
            let interval = try required(ConfigDuration.self, .interval)
            for duration in [timeout, interval] where !duration.value.isPositive {
                throw ConfigError(
                    "health check durations must be greater than 0s, found '\(duration.value)'",
                    at: duration.mark
                )
            }
            self.timeout = timeout.value
            self.interval = interval.value
            unhealthyThreshold = try required(UInt32.self, .unhealthyThreshold).value
            healthyThreshold = try required(UInt32.self, .healthyThreshold).value
            initialJitter = try container.decodeIfPresent(ConfigDuration.self, forKey: .initialJitter)
            intervalJitter = try container.decodeIfPresent(ConfigDuration.self, forKey: .intervalJitter)
            intervalJitterPercent = try container.decodeIfPresent(UInt32.self, forKey: .intervalJitterPercent) ?? 0
            reuseConnection = try container.decodeIfPresent(Bool.self, forKey: .reuseConnection) ?? true
            noTrafficInterval = try container.decodeIfPresent(ConfigDuration.self, forKey: .noTrafficInterval)
            noTrafficHealthyInterval =
                try container.decodeIfPresent(ConfigDuration.self, forKey: .noTrafficHealthyInterval)
            unhealthyInterval = try container.decodeIfPresent(ConfigDuration.self, forKey: .unhealthyInterval)
            unhealthyEdgeInterval = try container.decodeIfPresent(ConfigDuration.self, forKey: .unhealthyEdgeInterval)
            healthyEdgeInterval = try container.decodeIfPresent(ConfigDuration.self, forKey: .healthyEdgeInterval)
            eventLogPath = try container.decodeIfPresent(String.self, forKey: .eventLogPath) ?? ""
            tcpHealthCheck = try container.decodeIfPresent(TCPHealthCheck.self, forKey: .tcpHealthCheck)
            httpHealthCheck = try container.decodeIfPresent(ConfigNode.self, forKey: .httpHealthCheck)
            grpcHealthCheck = try container.decodeIfPresent(ConfigNode.self, forKey: .grpcHealthCheck)
            customHealthCheck = try container.decodeIfPresent(ConfigNode.self, forKey: .customHealthCheck)
            for key in [
                CodingKeys.altPort, .eventLogger, .alwaysLogHealthCheckFailures, .alwaysLogHealthCheckSuccess,
                .tlsOptions, .transportSocketMatchCriteria, .healthyThresholdOverride,
            ] {
                _ = try container.decodeIfPresent(ConfigNode.self, forKey: key)
            }
            let checkers = [
                tcpHealthCheck != nil, httpHealthCheck != nil, grpcHealthCheck != nil, customHealthCheck != nil,
            ]
            if checkers.filter({ $0 }).count != 1 {
                throw ConfigError(
                    "health check needs exactly one of 'tcp_health_check', 'http_health_check', "
                        + "'grpc_health_check' and 'custom_health_check'",
                    at: mark
                )
            }
        }

        static func decodeHex(_ text: String) -> [UInt8]? {
            Hex.decode(text)
        }

        static func decodeBase64(_ text: String) -> [UInt8]? {
            var bits: UInt32 = 0
            var bitCount = 0
            var bytes: [UInt8] = []
            var padding = 0
            for character in text.utf8 {
                let value: UInt32
                switch character {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
                case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
                case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
                case UInt8(ascii: "="):
                    padding += 1
                    continue
                default:
                    return nil
                }
                guard padding == 0 else { return nil }
                bits = bits << 6 | value
                bitCount += 6
                if bitCount >= 8 {
                    bitCount -= 8
                    bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
                }
            }
            return padding <= 2 ? bytes : nil
        }
    }
}
