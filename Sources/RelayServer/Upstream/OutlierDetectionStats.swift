import Relay

/// Envoy's `cluster.<name>.outlier_detection.*` stats. Every counter Envoy defines is
/// created (so dashboards find them), though only the consecutive-failure ones can move.
final class OutlierDetectionStats: Sendable {
    /// `ejections_active`: hosts ejected now.
    let ejectionsActive: Gauge
    /// `ejections_total` (deprecated in Envoy; counts consecutive-5xx ejections that were
    /// within `max_ejection_percent`, enforced or not).
    let ejectionsTotal: Counter
    /// `ejections_overflow`: ejections refused by `max_ejection_percent`.
    let ejectionsOverflow: Counter
    /// `ejections_enforced_total`.
    let ejectionsEnforcedTotal: Counter
    /// `ejections_consecutive_5xx` (deprecated in Envoy; every detected consecutive-5xx event).
    let ejectionsConsecutive5xx: Counter
    /// `ejections_detected_consecutive_5xx`.
    let detectedConsecutive5xx: Counter
    /// `ejections_enforced_consecutive_5xx`.
    let enforcedConsecutive5xx: Counter
    /// `ejections_detected_consecutive_gateway_failure`.
    let detectedConsecutiveGatewayFailure: Counter
    /// `ejections_enforced_consecutive_gateway_failure`.
    let enforcedConsecutiveGatewayFailure: Counter
    /// `ejections_detected_consecutive_local_origin_failure`.
    let detectedConsecutiveLocalOriginFailure: Counter
    /// `ejections_enforced_consecutive_local_origin_failure`.
    let enforcedConsecutiveLocalOriginFailure: Counter
    /// Success-rate and failure-percentage counters: Relay does not run those detectors.
    private let unusedCounters: [Counter]

    /// Creates the stats in `scope` (`cluster.<name>.outlier_detection.`).
    init(scope: StatsScope) {
        ejectionsActive = scope.gauge("ejections_active")
        ejectionsTotal = scope.counter("ejections_total")
        ejectionsOverflow = scope.counter("ejections_overflow")
        ejectionsEnforcedTotal = scope.counter("ejections_enforced_total")
        ejectionsConsecutive5xx = scope.counter("ejections_consecutive_5xx")
        detectedConsecutive5xx = scope.counter("ejections_detected_consecutive_5xx")
        enforcedConsecutive5xx = scope.counter("ejections_enforced_consecutive_5xx")
        detectedConsecutiveGatewayFailure = scope.counter("ejections_detected_consecutive_gateway_failure")
        enforcedConsecutiveGatewayFailure = scope.counter("ejections_enforced_consecutive_gateway_failure")
        detectedConsecutiveLocalOriginFailure = scope.counter("ejections_detected_consecutive_local_origin_failure")
        enforcedConsecutiveLocalOriginFailure = scope.counter("ejections_enforced_consecutive_local_origin_failure")
        unusedCounters = [
            "ejections_success_rate", "ejections_detected_success_rate", "ejections_enforced_success_rate",
            "ejections_detected_failure_percentage", "ejections_enforced_failure_percentage",
            "ejections_detected_local_origin_success_rate", "ejections_enforced_local_origin_success_rate",
            "ejections_detected_local_origin_failure_percentage", "ejections_enforced_local_origin_failure_percentage",
        ].map { scope.counter($0) }
    }
}
