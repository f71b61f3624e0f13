import NIOCore
import Relay
import RelayValues

/// JSON string escaping for admin output.
enum AdminJSON {
    static func string(_ text: String) -> String {
        JSONText.quote(text)
    }
}

/// Envoy's `/clusters` output, text and JSON.
enum AdminClusters {
    static func render(_ manager: RuntimeClusterManager, json: Bool) -> String {
        let clusters = manager.order.compactMap { manager.clusters[$0] }
        if json {
            let items = clusters.map { cluster -> String in
                let info = cluster.info
                let hosts = cluster.hosts.current.map { host -> String in
                    let ejected = cluster.outlierDetector?.isEjected(host) ?? false
                    let stats = [
                        ("cx_active", "GAUGE", Int64(host.stats.connectionsActive.value)),
                        ("cx_connect_fail", "COUNTER", Int64(host.stats.connectFailures.value)),
                        ("cx_total", "COUNTER", Int64(host.stats.connectionsTotal.value)),
                    ].map { "{\"type\":\"\($0.1)\",\"name\":\"\($0.0)\",\"value\":\"\($0.2)\"}" }.joined(separator: ",")
                    return "{\"address\":{\"socket_address\":{\"address\":\(AdminJSON.string(host.address.ipAddress ?? "")),\"port_value\":\(host.address.port ?? 0)}},"
                        + "\"stats\":[\(stats)],\"health_status\":{\(ejected ? "\"failed_outlier_check\":true," : "")\"eds_health_status\":\"HEALTHY\"},\"weight\":\(host.weight),\"hostname\":\(AdminJSON.string(host.hostname))}"
                }.joined(separator: ",")
                return "{\"name\":\(AdminJSON.string(info.name)),\"added_via_api\":false,\"observability_name\":\(AdminJSON.string(info.observabilityName)),"
                    + "\"circuit_breakers\":{\"thresholds\":[{\"max_connections\":\(info.maxConnections)}]},\"host_statuses\":[\(hosts)]}"
            }
            return "{\"cluster_statuses\":[" + items.joined(separator: ",") + "]}\n"
        }
        var out = ""
        for cluster in clusters {
            let info = cluster.info
            let name = info.name
            out += "\(name)::observability_name::\(info.observabilityName)\n"
            out += "\(name)::default_priority::max_connections::\(info.maxConnections)\n"
            out += "\(name)::added_via_api::false\n"
            for host in cluster.hosts.current {
                let prefix = "\(name)::\(host.addressString)::"
                out += prefix + "cx_active::\(host.stats.connectionsActive.value)\n"
                out += prefix + "cx_connect_fail::\(host.stats.connectFailures.value)\n"
                out += prefix + "cx_total::\(host.stats.connectionsTotal.value)\n"
                out += prefix + "hostname::\(host.hostname)\n"
                // Envoy prints each failed check; an outlier ejection is the only one Relay has.
                let ejected = cluster.outlierDetector?.isEjected(host) ?? false
                out += prefix + "health_flags::\(ejected ? "/failed_outlier_check" : "healthy")\n"
                out += prefix + "weight::\(host.weight)\n"
            }
        }
        return out
    }
}
