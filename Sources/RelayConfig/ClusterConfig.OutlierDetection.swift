extension ClusterConfig {
    /// `envoy.config.cluster.v3.OutlierDetection`: the consecutive-failure detectors, which is
    /// what a TCP proxy feeds (connect failures and connect timeouts). Success-rate and
    /// failure-percentage detection and extension monitors are refused.
    public struct OutlierDetection: Sendable, Hashable, Decodable, ConfigTypeNaming {
        /// `envoy.config.cluster.v3.OutlierDetection`.
        public static let configTypeName = "envoy.config.cluster.v3.OutlierDetection"

        /// `consecutive_5xx` (default 5; 0 disables).
        public var consecutive5xx: UInt32 = 5
        /// `consecutive_gateway_failure` (default 5; 0 disables).
        public var consecutiveGatewayFailure: UInt32 = 5
        /// `consecutive_local_origin_failure` (default 5; used with split errors).
        public var consecutiveLocalOriginFailure: UInt32 = 5
        /// `enforcing_consecutive_5xx`, a percentage (default 100).
        public var enforcingConsecutive5xx: UInt32 = 100
        /// `enforcing_consecutive_gateway_failure`, a percentage (default 0).
        public var enforcingConsecutiveGatewayFailure: UInt32 = 0
        /// `enforcing_consecutive_local_origin_failure`, a percentage (default 100).
        public var enforcingConsecutiveLocalOriginFailure: UInt32 = 100
        /// `split_external_local_origin_errors` (default false).
        public var splitExternalLocalOriginErrors = false
        /// `interval` between un-ejection sweeps (default 10s).
        public var interval = ConfigDuration(seconds: 10)
        /// `base_ejection_time` (default 30s).
        public var baseEjectionTime = ConfigDuration(seconds: 30)
        /// `max_ejection_time` (default: the larger of 300s and `base_ejection_time`).
        public var maxEjectionTime = ConfigDuration(seconds: 300)
        /// `max_ejection_time_jitter` (default 0s).
        public var maxEjectionTimeJitter = ConfigDuration.zero
        /// `max_ejection_percent` (default 10).
        public var maxEjectionPercent: UInt32 = 10
        /// `always_eject_one_host` (default false).
        public var alwaysEjectOneHost = false
        /// `successful_active_health_check_uneject_host` (default true; Relay runs no health
        /// checks, so it never applies).
        public var successfulActiveHealthCheckUnejectHost = true
        /// Where the block starts.
        public var mark: Mark

        /// Envoy's defaults.
        public init(mark: Mark = .file("<default>")) {
            self.mark = mark
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case consecutive5xx = "consecutive_5xx"
            case consecutiveGatewayFailure = "consecutive_gateway_failure"
            case consecutiveLocalOriginFailure = "consecutive_local_origin_failure"
            case enforcingConsecutive5xx = "enforcing_consecutive_5xx"
            case enforcingConsecutiveGatewayFailure = "enforcing_consecutive_gateway_failure"
            case enforcingConsecutiveLocalOriginFailure = "enforcing_consecutive_local_origin_failure"
            case splitExternalLocalOriginErrors = "split_external_local_origin_errors"
            case interval
            case baseEjectionTime = "base_ejection_time"
            case maxEjectionTime = "max_ejection_time"
            case maxEjectionTimeJitter = "max_ejection_time_jitter"
            case maxEjectionPercent = "max_ejection_percent"
            case alwaysEjectOneHost = "always_eject_one_host"
            case successfulActiveHealthCheckUnejectHost = "successful_active_health_check_uneject_host"
            case successRateMinimumHosts = "success_rate_minimum_hosts"
            case successRateRequestVolume = "success_rate_request_volume"
            case successRateStdevFactor = "success_rate_stdev_factor"
            case enforcingSuccessRate = "enforcing_success_rate"
            case enforcingLocalOriginSuccessRate = "enforcing_local_origin_success_rate"
            case failurePercentageThreshold = "failure_percentage_threshold"
            case failurePercentageMinimumHosts = "failure_percentage_minimum_hosts"
            case failurePercentageRequestVolume = "failure_percentage_request_volume"
            case enforcingFailurePercentage = "enforcing_failure_percentage"
            case enforcingFailurePercentageLocalOrigin = "enforcing_failure_percentage_local_origin"
            case monitors
        }

        /// Success-rate and failure-percentage detection and extension monitors: not implemented.
        private static let unsupportedKeys: [CodingKeys] = [
            .successRateMinimumHosts, .successRateRequestVolume, .successRateStdevFactor, .enforcingSuccessRate,
            .enforcingLocalOriginSuccessRate, .failurePercentageThreshold, .failurePercentageMinimumHosts,
            .failurePercentageRequestVolume, .enforcingFailurePercentage, .enforcingFailurePercentageLocalOrigin,
            .monitors,
        ]

        /// Decodes from YAML with Envoy's defaults and validation rules.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mark = decoder.configMark ?? .file("<unknown>")
            for key in Self.unsupportedKeys {
                if let field = try container.decodeIfPresent(Marked<ConfigNode>.self, forKey: key) {
                    throw ConfigError("'\(key.rawValue)' is not supported by Relay", at: field.mark)
                }
            }
            func count(_ key: CodingKeys, _ fallback: UInt32) throws -> UInt32 {
                try container.decodeIfPresent(UInt32.self, forKey: key) ?? fallback
            }
            func percent(_ key: CodingKeys, _ fallback: UInt32) throws -> UInt32 {
                guard let value = try container.decodeIfPresent(Marked<UInt32>.self, forKey: key) else { return fallback }
                if value.value > 100 {
                    throw ConfigError("'\(key.rawValue)' must be at most 100, found \(value.value)", at: value.mark)
                }
                return value.value
            }
            func duration(_ key: CodingKeys, positive: Bool) throws -> Marked<ConfigDuration>? {
                guard let value = try container.decodeIfPresent(Marked<ConfigDuration>.self, forKey: key) else { return nil }
                if positive && !value.value.isPositive {
                    throw ConfigError("'\(key.rawValue)' must be greater than 0s, found '\(value.value)'", at: value.mark)
                }
                return value
            }
            consecutive5xx = try count(.consecutive5xx, 5)
            consecutiveGatewayFailure = try count(.consecutiveGatewayFailure, 5)
            consecutiveLocalOriginFailure = try count(.consecutiveLocalOriginFailure, 5)
            enforcingConsecutive5xx = try percent(.enforcingConsecutive5xx, 100)
            enforcingConsecutiveGatewayFailure = try percent(.enforcingConsecutiveGatewayFailure, 0)
            enforcingConsecutiveLocalOriginFailure = try percent(.enforcingConsecutiveLocalOriginFailure, 100)
            splitExternalLocalOriginErrors =
                try container.decodeIfPresent(Bool.self, forKey: .splitExternalLocalOriginErrors) ?? false
            interval = try duration(.interval, positive: true)?.value ?? ConfigDuration(seconds: 10)
            baseEjectionTime = try duration(.baseEjectionTime, positive: true)?.value ?? ConfigDuration(seconds: 30)
            let maxTime = try duration(.maxEjectionTime, positive: false)
            maxEjectionTime = maxTime?.value ?? max(ConfigDuration(seconds: 300), baseEjectionTime)
            if let maxTime, maxTime.value < baseEjectionTime {
                throw ConfigError(
                    "outlier detector's max_ejection_time cannot be smaller than base_ejection_time "
                        + "(\(maxTime.value) < \(baseEjectionTime))",
                    at: maxTime.mark
                )
            }
            maxEjectionTimeJitter = try duration(.maxEjectionTimeJitter, positive: false)?.value ?? .zero
            maxEjectionPercent = try percent(.maxEjectionPercent, 10)
            alwaysEjectOneHost = try container.decodeIfPresent(Bool.self, forKey: .alwaysEjectOneHost) ?? false
            successfulActiveHealthCheckUnejectHost =
                try container.decodeIfPresent(Bool.self, forKey: .successfulActiveHealthCheckUnejectHost) ?? true
        }
    }
}
