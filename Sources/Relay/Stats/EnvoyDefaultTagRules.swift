/// Envoy's built-in tag rules (`source/common/config/well_known_names.cc` and the cases in
/// `test/common/stats/tag_extractor_impl_test.cc`), in Envoy's order and with Envoy's tag
/// names (including its historic `envoy.dyanmo_table` spelling), so that
/// `/stats/prometheus` carries the label names and values Envoy's dashboards expect.
enum EnvoyDefaultTagRules {
    /// A tag value: anything but a dot.
    private static let value = "[^.]+"
    /// `<ip>_<port>` or `[<ipv6>]_<port>`, as Envoy writes listener addresses in stat names.
    private static let address = #"(?:(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+)"#
    private static let cipher = #"[\w-]+"#

    private static func tokens(_ name: String, _ pattern: String) -> StatTagExtractor {
        guard let extractor = StatTagExtractor(name: name, tokens: pattern) else {
            preconditionFailure("built-in token pattern without '$': \(pattern)")
        }
        return extractor
    }

    private static func regex(_ name: String, _ pattern: String, _ substring: String = "", not negative: String = "") -> StatTagExtractor {
        do {
            return try StatTagExtractor(name: name, regex: pattern, substring: substring, negativeMatch: negative)
        } catch {
            preconditionFailure("built-in tag regex does not compile: \(error)")
        }
    }

    static let extractors: [StatTagExtractor] = [
        regex("envoy.response_code", #"_rq(_(\d{3}))$"#, "_rq_"),
        regex("envoy.response_code_class", #"_rq_((\d))xx$"#, "_rq_"),
        regex(
            "envoy.dynamo_partition_id",
            #"^http\.\#(value)\.dynamodb\.table\.\#(value)\.capacity\.\#(value)(\.__partition_id=(\w{7}))$"#,
            ".dynamodb.table."
        ),
        regex(
            "envoy.dynamo_operation",
            #"^http\.\#(value)\.dynamodb.(?:operation|table\.\#(value)\.capacity)(\.(\#(value)))(?:\.|$)"#,
            ".dynamodb."
        ),
        tokens("envoy.mongo_callsite", "mongo.*.collection.*.callsite.$.query.**"),
        regex("envoy.dyanmo_table", #"^http\.\#(value)\.dynamodb.(?:table|error)\.((\#(value))\.)"#, ".dynamodb."),
        tokens("envoy.mongo_collection", "mongo.*.collection.$.**.query.*"),
        tokens("envoy.mongo_cmd", "mongo.*.cmd.$.**"),
        tokens("envoy.grpc_bridge_method", "cluster.*.grpc.*.$.**"),
        tokens("envoy.http_user_agent", "http.*.user_agent.$.**"),
        tokens("envoy.virtual_cluster", "vhost.*.vcluster.$.**"),
        tokens("envoy.fault_downstream_cluster", "http.*.fault.$.**"),
        regex("envoy.ssl_cipher", #"^listener\..*?\.ssl\.ciphers(\.(\#(cipher)))$"#, ".ssl.ciphers."),
        regex("envoy.ssl_curve", #"^(?:listener|cluster)\..*?\.ssl\.curves(\.(\#(cipher)))$"#, ".ssl.curves."),
        regex("envoy.ssl_sigalg", #"^(?:listener|cluster)\..*?\.ssl\.sigalgs(\.(\#(cipher)))$"#, ".ssl.sigalgs."),
        regex("envoy.ssl_version", #"^(?:listener|cluster)\..*?\.ssl\.versions(\.(TLSv\d\.\d))$"#, ".ssl.versions."),
        regex("cipher_suite", #"^cluster\.\#(value)\.ssl\.ciphers(\.(\#(cipher)))$"#, ".ssl.ciphers."),
        tokens("envoy.grpc_bridge_service", "cluster.*.grpc.$.**"),
        tokens("envoy.tcp_prefix", "tcp.$.**"),
        tokens("envoy.udp_prefix", "udp.$.**"),
        tokens("envoy.clientssl_prefix", "auth.clientssl.$.**"),
        tokens("envoy.ratelimit_prefix", "ratelimit.$.**"),
        tokens("envoy.cluster_name", "cluster.$.**"),
        regex("envoy.http_conn_manager_prefix", #"^listener\..*?\.http\.((\#(value))\.)"#, ".http."),
        tokens("envoy.ext_authz_prefix", "cluster.*.ext_authz.$.**"),
        tokens("envoy.ext_authz_prefix", "http.*.ext_authz.$.**"),
        tokens("envoy.http_conn_manager_prefix", "http.$.**"),
        regex(
            "envoy.worker_id",
            #"^(?:listener\.(?:\#(address)|\#(value))\.|server\.|listener_manager\.)worker_((\d+)\.)"#
        ),
        regex("envoy.listener_address", #"^listener\.((\#(address)|\#(value))\.)"#, not: "admin"),
        tokens("envoy.virtual_host", "vhost.$.**"),
        tokens("envoy.mongo_prefix", "mongo.$.**"),
        regex("envoy.rds_route_config", #"^http\.\#(value)\.rds\.(([\w\-.]+)\.)\w+?$"#, ".rds."),
        tokens("envoy.route", "vhost.*.route.$.**"),
        tokens("envoy.thrift_prefix", "thrift.$.**"),
        tokens("envoy.redis_prefix", "redis.$.**"),
        tokens("envoy.local_http_ratelimit_prefix", "$.http_local_rate_limit.**"),
        tokens("envoy.local_network_ratelimit_prefix", "local_rate_limit.$.**"),
        tokens("envoy.local_listener_ratelimit_prefix", "listener_local_ratelimit.$.**"),
        tokens("envoy.dns_filter_prefix", "dns_filter.$.**"),
        tokens("envoy.connection_limit_prefix", "connection_limit.$.**"),
        tokens("envoy.rbac_prefix", "$.rbac.**"),
        regex("envoy.rbac_http_prefix", #"^http\.\#(value)\.rbac\.((\#(value))\.)(?:policy\.\#(value)\.)?\w+$"#, ".rbac."),
        regex("envoy.rbac_policy_name", #"^http\.\#(value)\.rbac\.(?:\#(value)\.)?policy\.((\#(value))\.)\w+$"#, ".rbac."),
        regex("envoy.proxy_protocol_prefix", #"^proxy_proto\.((\#(value))\.)(?:versions\.v\d\.)?\w+$"#),
        regex("envoy.proxy_protocol_version", #"^proxy_proto\.(?:\#(value)\.)?(versions\.v(\d)\.)\w+$"#),
    ]
}
