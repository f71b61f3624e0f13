#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RelayValues

extension StatsSnapshot {
    /// Envoy's `/stats` text: `name: value` lines sorted by name; histograms as quantiles.
    /// - Parameters:
    ///   - usedOnly: leave out stats that were never updated.
    ///   - filter: keep only names for which this returns true.
    public func renderText(usedOnly: Bool = false, filter: (String) -> Bool = { _ in true }) -> String {
        var lines: [(String, String)] = []
        for counter in counters where (!usedOnly || counter.isUsed) && filter(counter.name.name) {
            lines.append((counter.name.name, String(counter.value)))
        }
        for gauge in gauges where (!usedOnly || gauge.isUsed) && filter(gauge.name.name) {
            lines.append((gauge.name.name, String(gauge.value)))
        }
        for histogram in histograms where (!usedOnly || histogram.sampleCount > 0) && filter(histogram.name.name) {
            lines.append((histogram.name.name, Self.quantileText(histogram)))
        }
        lines.sort { $0.0 < $1.0 }
        var out = ""
        for (name, value) in lines {
            out += name + ": " + value + "\n"
        }
        return out
    }

    static let supportedQuantiles: [Double] = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1]

    private static func quantileText(_ histogram: Histogram) -> String {
        guard histogram.sampleCount > 0 else { return "No recorded values" }
        return supportedQuantiles.map { q in
            let label = q * 100 == (q * 100).rounded() ? String(Int(q * 100)) : String(q * 100)
            let value = histogram.quantile(q).map { formatNumber($0) } ?? "nan"
            return "P\(label)(\(value),\(value))"
        }.joined(separator: " ")
    }

    /// Envoy's `/stats?format=json`.
    public func renderJSON(usedOnly: Bool = false, filter: (String) -> Bool = { _ in true }) -> String {
        var entries: [(String, String)] = []
        for counter in counters where (!usedOnly || counter.isUsed) && filter(counter.name.name) {
            entries.append((counter.name.name, String(counter.value)))
        }
        for gauge in gauges where (!usedOnly || gauge.isUsed) && filter(gauge.name.name) {
            entries.append((gauge.name.name, String(gauge.value)))
        }
        entries.sort { $0.0 < $1.0 }
        var items = entries.map { "{\"name\":\(jsonString($0.0)),\"value\":\($0.1)}" }
        let used = histograms.filter { (!usedOnly || $0.sampleCount > 0) && filter($0.name.name) }
        let quantiles = Self.supportedQuantiles.map { formatNumber($0 * 100) }.joined(separator: ",")
        let computed = used.map { histogram -> String in
            let values = Self.supportedQuantiles.map { q -> String in
                let value = histogram.quantile(q).map { formatNumber($0) } ?? "null"
                return "{\"interval\":\(value),\"cumulative\":\(value)}"
            }.joined(separator: ",")
            return "{\"name\":\(jsonString(histogram.name.name)),\"values\":[\(values)]}"
        }.joined(separator: ",")
        if !used.isEmpty {
            // Envoy adds the histograms element only when at least one histogram is shown.
            items.append("{\"histograms\":{\"supported_quantiles\":[\(quantiles)],\"computed_quantiles\":[\(computed)]}}")
        }
        return "{\"stats\":[" + items.joined(separator: ",") + "]}\n"
    }

    /// How metric names are written in the Prometheus exposition.
    public enum PrometheusNaming: Sendable, Hashable {
        /// Exactly what Envoy's `/stats/prometheus` prints (the default): Envoy's names
        /// (`envoy_cluster_upstream_cx_connect_fail`, `…_connect_ms`), `# TYPE` lines only,
        /// counters, then gauges, then histograms, each family sorted by name.
        case envoy
        /// Envoy's names adjusted to Prometheus conventions so `promtool check metrics`
        /// passes (`?naming=prometheus`): `# HELP` lines, counters end in `_total`,
        /// millisecond histograms become `_seconds` with their buckets and sums converted,
        /// and gauges whose Envoy name ends in `_total` are exposed as `untyped`.
        /// Custom-namespace metrics are already conventional and unchanged.
        case conventional
    }

    /// Prometheus text exposition (format 0.0.4). Envoy stats get the `envoy_` prefix and their
    /// extracted tags as labels; custom-namespace stats keep their own names.
    /// - Parameters:
    ///   - usedOnly: leave out stats that were never updated.
    ///   - naming: Envoy's exact output (default) or the Prometheus-conventional form.
    ///   - filter: keep only flat names for which this returns true.
    public func renderPrometheus(
        usedOnly: Bool = false,
        naming: PrometheusNaming = .envoy,
        filter: (String) -> Bool = { _ in true }
    ) -> String {
        switch naming {
        case .envoy: return renderEnvoyPrometheus(usedOnly: usedOnly, filter: filter)
        case .conventional: return renderConventionalPrometheus(usedOnly: usedOnly, filter: filter)
        }
    }

    /// Envoy's ordering of stat names: token by token (`a.b` before `a-b`, as Envoy's symbol table).
    static func envoyNameOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.split(separator: ".", omittingEmptySubsequences: false)
            .lexicographicallyPrecedes(rhs.split(separator: ".", omittingEmptySubsequences: false))
    }

    /// Groups `stats` into families by tag-extracted name, families and members in Envoy's order.
    private static func families<Stat>(_ stats: [Stat], name: (Stat) -> StatName) -> [(String, [Stat])] {
        var groups: [String: [Stat]] = [:]
        for stat in stats { groups[name(stat).tagExtractedName, default: []].append(stat) }
        return groups.keys.sorted(by: envoyNameOrder).map { key in
            (name(groups[key]![0]).prometheusName, groups[key]!.sorted { envoyNameOrder(name($0).name, name($1).name) })
        }
    }

    private func renderEnvoyPrometheus(usedOnly: Bool, filter: (String) -> Bool) -> String {
        var out = ""
        let counters = self.counters.filter { (!usedOnly || $0.isUsed) && filter($0.name.name) }
        for (family, members) in Self.families(counters, name: \.name) {
            out += "# TYPE \(family) counter\n"
            for counter in members {
                out += family + "{" + Self.labelList(counter.name.tags) + "} " + String(counter.value) + "\n"
            }
        }
        let gauges = self.gauges.filter { (!usedOnly || $0.isUsed) && filter($0.name.name) }
        for (family, members) in Self.families(gauges, name: \.name) {
            out += "# TYPE \(family) gauge\n"
            for gauge in members {
                out += family + "{" + Self.labelList(gauge.name.tags) + "} " + String(gauge.value) + "\n"
            }
        }
        let histograms = self.histograms.filter { (!usedOnly || $0.sampleCount > 0) && filter($0.name.name) }
        for (family, members) in Self.families(histograms, name: \.name) {
            out += "# TYPE \(family) histogram\n"
            for histogram in members {
                let tags = Self.labelList(histogram.name.tags)
                let bucketTags = tags.isEmpty ? "" : tags + ","
                for (bound, count) in zip(histogram.bounds, histogram.cumulativeCounts) {
                    out += family + "_bucket{" + bucketTags + "le=\"" + Self.envoyNumber(bound) + "\"} " + String(count) + "\n"
                }
                let total = String(histogram.sampleCount)
                out += family + "_bucket{" + bucketTags + "le=\"+Inf\"} " + total + "\n"
                out += family + "_sum{" + tags + "} " + Self.envoyNumber(histogram.sampleSum) + "\n"
                out += family + "_count{" + tags + "} " + total + "\n"
            }
        }
        return out
    }

    /// A double as Envoy prints it in Prometheus output (`{:.32g}`).
    static func envoyNumber(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let length = withVaList([value]) { vsnprintf(buffer.baseAddress, 64, "%.32g", $0) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(max(0, min(length, 63)))), as: UTF8.self)
        }
    }

    private func renderConventionalPrometheus(usedOnly: Bool, filter: (String) -> Bool) -> String {
        var families: [String: (type: String, help: String, lines: [String])] = [:]
        func add(_ family: String, _ type: String, _ help: String, _ line: String) {
            if families[family] == nil { families[family] = (type, help, []) }
            families[family]!.lines.append(line)
        }
        for counter in counters where (!usedOnly || counter.isUsed) && filter(counter.name.name) {
            var family = counter.name.prometheusName
            if !family.hasSuffix("_total") { family += "_total" }
            add(family, "counter", counter.name.tagExtractedName, family + Self.labels(counter.name.tags) + " " + String(counter.value))
        }
        for gauge in gauges where (!usedOnly || gauge.isUsed) && filter(gauge.name.name) {
            let family = gauge.name.prometheusName
            let type = family.hasSuffix("_total") ? "untyped" : "gauge"
            add(family, type, gauge.name.tagExtractedName, family + Self.labels(gauge.name.tags) + " " + String(gauge.value))
        }
        for histogram in histograms where (!usedOnly || histogram.sampleCount > 0) && filter(histogram.name.name) {
            var family = histogram.name.prometheusName
            var scale = 1.0
            if family.hasSuffix("_ms") {
                family = String(family.dropLast(3)) + "_seconds"
                scale = 0.001
            }
            let help = histogram.name.tagExtractedName
            let tags = histogram.name.tags
            for (bound, count) in zip(histogram.bounds, histogram.cumulativeCounts) {
                let le = StatTag("le", formatNumber(bound * scale))
                add(family, "histogram", help, family + "_bucket" + Self.labels(tags + [le]) + " " + String(count))
            }
            let total = String(histogram.sampleCount)
            add(family, "histogram", help, family + "_bucket" + Self.labels(tags + [StatTag("le", "+Inf")]) + " " + total)
            add(family, "histogram", help, family + "_sum" + Self.labels(tags) + " " + formatNumber(histogram.sampleSum * scale))
            add(family, "histogram", help, family + "_count" + Self.labels(tags) + " " + total)
        }
        var out = ""
        for name in families.keys.sorted() {
            let family = families[name]!
            out += "# HELP \(name) \(family.help)\n"
            out += "# TYPE \(name) \(family.type)\n"
            for line in family.lines { out += line + "\n" }
        }
        return out
    }

    /// `name="value",…` without braces, Envoy's `formattedTags`.
    private static func labelList(_ tags: [StatTag]) -> String {
        tags.map { StatName.sanitize($0.name) + "=\"" + escapeLabelValue($0.value) + "\"" }.joined(separator: ",")
    }

    private static func labels(_ tags: [StatTag]) -> String {
        guard !tags.isEmpty else { return "{}" }
        let rendered = tags.map { tag in
            StatName.sanitize(tag.name) + "=\"" + escapeLabelValue(tag.value) + "\""
        }
        return "{" + rendered.joined(separator: ",") + "}"
    }

    private static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}

func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}

func jsonString(_ text: String) -> String {
    JSONText.quote(text)
}
