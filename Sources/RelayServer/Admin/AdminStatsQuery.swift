import Relay

/// The query parameters of `/stats` and `/stats/prometheus`, as Envoy's admin reads them
/// (`source/server/admin/stats_params.cc`): `usedonly` (present = only stats ever updated),
/// `filter=<regex>` (RE2 syntax, partial match on the flat stat name; empty matches all),
/// `type=All|Counters|Gauges|Histograms|TextReadouts` and `format=text|json|prometheus`.
struct AdminStatsQuery {
    /// Envoy's `type=` values.
    enum StatType: String {
        case all = "All"
        case counters = "Counters"
        case gauges = "Gauges"
        case histograms = "Histograms"
        case textReadouts = "TextReadouts"
    }

    /// The longest a filter may spend evaluating one request before the request is refused.
    static let evaluationBudget: Duration = .seconds(2)

    var usedOnly = false
    var filter: StatsNameFilter?
    var type = StatType.all
    var format: String?

    /// Parses `query`; a refusal is the 400 body Envoy sends.
    static func parse(_ query: [String: String]) -> Result<AdminStatsQuery, AdminQueryError> {
        var parsed = AdminStatsQuery()
        parsed.usedOnly = query["usedonly"] != nil
        if let pattern = query["filter"], !pattern.isEmpty {
            do {
                parsed.filter = try StatsNameFilter(pattern)
            } catch {
                return .failure(AdminQueryError(message: "Invalid re2 regex: \(error.reason)\n"))
            }
        }
        if let type = query["type"] {
            guard let value = StatType(rawValue: type) else {
                return .failure(AdminQueryError(message: "invalid &type= param\n"))
            }
            parsed.type = value
        }
        parsed.format = query["format"]
        return .success(parsed)
    }

    /// The name predicate for the renderers over `snapshot`: type and regex, with the regex's
    /// total evaluation time bounded by ``evaluationBudget`` (`exceeded` is then set).
    func predicate(for snapshot: StatsSnapshot, exceeded: Flag) -> (String) -> Bool {
        var allowed: Set<String>?
        switch type {
        case .all: allowed = nil
        case .counters: allowed = Set(snapshot.counters.map(\.name.name))
        case .gauges: allowed = Set(snapshot.gauges.map(\.name.name))
        case .histograms: allowed = Set(snapshot.histograms.map(\.name.name))
        case .textReadouts: allowed = []
        }
        let filter = self.filter
        let deadline = ContinuousClock.now + Self.evaluationBudget
        return { name in
            if let allowed, !allowed.contains(name) { return false }
            guard let filter else { return true }
            if exceeded.value { return false }
            if ContinuousClock.now > deadline {
                exceeded.value = true
                return false
            }
            return filter.matches(name)
        }
    }

    /// Set when a filter ran out of its evaluation budget.
    final class Flag {
        var value = false
    }
}

/// A bad admin query: answered with 400 and `message`.
struct AdminQueryError: Error {
    let message: String
}
