import RelayConfig
import Testing

/// `outlier_detection`: Envoy's defaults, validation, and refusal of the detectors Relay lacks.
@Suite struct OutlierDetectionConfigTests {
    typealias OutlierDetection = ClusterConfig.OutlierDetection

    @Test func emptyBlockTakesEnvoysDefaults() throws {
        let config = try ConfigDecoder().decode(OutlierDetection.self, yaml: "{}", fileName: "o.yaml")
        #expect(config.consecutive5xx == 5)
        #expect(config.consecutiveGatewayFailure == 5)
        #expect(config.consecutiveLocalOriginFailure == 5)
        #expect(config.enforcingConsecutive5xx == 100)
        #expect(config.enforcingConsecutiveGatewayFailure == 0)
        #expect(config.enforcingConsecutiveLocalOriginFailure == 100)
        #expect(!config.splitExternalLocalOriginErrors)
        #expect(config.interval == ConfigDuration(seconds: 10))
        #expect(config.baseEjectionTime == ConfigDuration(seconds: 30))
        #expect(config.maxEjectionTime == ConfigDuration(seconds: 300))
        #expect(config.maxEjectionTimeJitter == .zero)
        #expect(config.maxEjectionPercent == 10)
        #expect(!config.alwaysEjectOneHost)
    }

    @Test func everyHonouredFieldDecodes() throws {
        let yaml = """
            consecutive_5xx: 3
            consecutive_gateway_failure: 0
            consecutive_local_origin_failure: 2
            enforcing_consecutive_5xx: 50
            enforcing_consecutive_gateway_failure: 100
            enforcing_consecutive_local_origin_failure: 0
            split_external_local_origin_errors: true
            interval: 0.5s
            base_ejection_time: { seconds: 2 }
            max_ejection_time: 20s
            max_ejection_time_jitter: 1s
            max_ejection_percent: 100
            always_eject_one_host: true
            successful_active_health_check_uneject_host: false
            """
        let config = try ConfigDecoder().decode(OutlierDetection.self, yaml: yaml, fileName: "o.yaml")
        #expect(config.consecutive5xx == 3)
        #expect(config.consecutiveGatewayFailure == 0)
        #expect(config.consecutiveLocalOriginFailure == 2)
        #expect(config.enforcingConsecutive5xx == 50)
        #expect(config.enforcingConsecutiveGatewayFailure == 100)
        #expect(config.enforcingConsecutiveLocalOriginFailure == 0)
        #expect(config.splitExternalLocalOriginErrors)
        #expect(config.interval == .milliseconds(500))
        #expect(config.baseEjectionTime == ConfigDuration(seconds: 2))
        #expect(config.maxEjectionTime == ConfigDuration(seconds: 20))
        #expect(config.maxEjectionTimeJitter == ConfigDuration(seconds: 1))
        #expect(config.maxEjectionPercent == 100)
        #expect(config.alwaysEjectOneHost)
        #expect(!config.successfulActiveHealthCheckUnejectHost)
    }

    @Test func maxEjectionTimeDefaultsToBaseWhenBaseIsLonger() throws {
        let config = try ConfigDecoder().decode(OutlierDetection.self, yaml: "base_ejection_time: 600s", fileName: "o.yaml")
        #expect(config.maxEjectionTime == ConfigDuration(seconds: 600))
    }

    @Test("unimplemented detectors are refused at the field", arguments: [
        "success_rate_minimum_hosts", "success_rate_request_volume", "success_rate_stdev_factor", "enforcing_success_rate",
        "enforcing_local_origin_success_rate", "failure_percentage_threshold", "failure_percentage_minimum_hosts",
        "failure_percentage_request_volume", "enforcing_failure_percentage", "enforcing_failure_percentage_local_origin",
    ])
    func refused(_ field: String) {
        let error = decodeError(OutlierDetection.self, "consecutive_5xx: 3\n\(field): 1\n", fileName: "o.yaml")
        #expect(error?.hasPrefix("o.yaml:2:") == true)
        #expect(error?.contains("'\(field)' is not supported by Relay") == true)
    }

    @Test func monitorsAreRefused() {
        let error = decodeError(OutlierDetection.self, "monitors: []\n", fileName: "o.yaml")
        #expect(error?.contains("'monitors' is not supported by Relay") == true)
    }

    @Test("invalid values name their position", arguments: [
        ("interval: 0s", "'interval' must be greater than 0s"),
        ("base_ejection_time: 0s", "'base_ejection_time' must be greater than 0s"),
        ("max_ejection_percent: 101", "'max_ejection_percent' must be at most 100"),
        ("enforcing_consecutive_5xx: 200", "'enforcing_consecutive_5xx' must be at most 100"),
        ("base_ejection_time: 60s\nmax_ejection_time: 10s", "max_ejection_time cannot be smaller than base_ejection_time"),
    ])
    func invalid(_ yaml: String, _ message: String) {
        let error = decodeError(OutlierDetection.self, yaml, fileName: "o.yaml")
        #expect(error?.hasPrefix("o.yaml:") == true)
        #expect(error?.contains(message) == true, "\(error ?? "nil")")
    }

    @Test func unknownFieldIsAnError() {
        #expect(decodeError(OutlierDetection.self, "consecutive_5xxx: 1\n", fileName: "o.yaml") != nil)
    }
}
