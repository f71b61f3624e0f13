import RelayConfig
import Testing

/// The input forms Envoy's YAML → protobuf-JSON path accepts (issue 10 §1): case-insensitive
/// enums, Durations as objects, type URLs without the `type.googleapis.com/` prefix, and
/// yaml-cpp's scalars (hex integers, yes/no/on/off booleans, quoted numbers).
@Suite struct EnvoyInputFormTests {
    static func cluster(_ fields: String) -> String {
        "static_resources:\n  clusters:\n  - name: c\n" + fields.split(separator: "\n").map { "    \($0)\n" }.joined()
    }

    // MARK: Enums

    @Test func enumsAreCaseInsensitive() throws {
        let bootstrap = try BootstrapLoader().load(
            yaml: Self.cluster("type: strict_dns\nlb_policy: round_robin\ndns_lookup_family: V4_only"),
            fileName: "e.yaml"
        )
        let cluster = try #require(bootstrap.staticResources.clusters.first)
        #expect(cluster.type == .strictDNS)
        #expect(cluster.lbPolicy == .roundRobin)
        #expect(cluster.dnsLookupFamily == .v4Only)
    }

    @Test func unknownEnumStillListsNamesAtTheValue() throws {
        let error = try #require(bootstrapError(Self.cluster("type: strict_dnz"), fileName: "e.yaml"))
        #expect(error.hasPrefix("e.yaml:4:11: error: unknown value 'strict_dnz' for 'type'; expected one of STATIC, STRICT_DNS"))
    }

    // MARK: Durations

    @Test func durationAsObject() throws {
        let bootstrap = try BootstrapLoader().load(
            yaml: Self.cluster("connect_timeout: {seconds: 5, nanos: 250000000}\ndns_refresh_rate: {seconds: \"7\"}"),
            fileName: "d.yaml"
        )
        let cluster = try #require(bootstrap.staticResources.clusters.first)
        #expect(cluster.connectTimeout == ConfigDuration(seconds: 5, nanos: 250_000_000))
        #expect(cluster.dnsRefreshRate == ConfigDuration(seconds: 7))
    }

    @Test func durationObjectErrorsPointAtTheField() throws {
        let unknown = try #require(bootstrapError(Self.cluster("connect_timeout: {seconds: 5, nano: 1}"), fileName: "d.yaml"))
        #expect(unknown.hasPrefix("d.yaml:4:35: error: unknown field 'nano' in google.protobuf.Duration"))
        let range = try #require(bootstrapError(Self.cluster("connect_timeout: {seconds: 5, nanos: 1000000000}"), fileName: "d.yaml"))
        #expect(range.hasPrefix("d.yaml:4:42: error: nanos 1000000000 for 'connect_timeout' is out of range"))
        let sign = try #require(bootstrapError(Self.cluster("connect_timeout: {seconds: 5, nanos: -1}"), fileName: "d.yaml"))
        #expect(sign.hasPrefix("d.yaml:4:42: error: nanos -1 for 'connect_timeout' has the opposite sign of seconds"))
        let seconds = try #require(bootstrapError(Self.cluster("connect_timeout: {seconds: 315576000001}"), fileName: "d.yaml"))
        #expect(seconds.hasPrefix("d.yaml:4:32: error: seconds 315576000001 for 'connect_timeout' is out of range"))
        let notNumber = try #require(bootstrapError(Self.cluster("connect_timeout: {seconds: five}"), fileName: "d.yaml"))
        #expect(notNumber.hasPrefix("d.yaml:4:32: error: expected an integer for 'seconds', found 'five'"))
    }

    @Test func durationObjectCanBeNegative() throws {
        let node = try ConfigNode.parse(yaml: "{seconds: -2, nanos: -500000000}", fileName: "n")
        #expect(try ConfigDecoder().decode(ConfigDuration.self, from: node) == ConfigDuration(seconds: -2, nanos: -500_000_000))
    }

    // MARK: Type URLs

    @Test func typeURLWithoutPrefix() throws {
        let node = try ConfigNode.parse(
            yaml: "\"@type\": envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\nstat_prefix: a\n",
            fileName: "t"
        )
        let typed = try TypedConfig(node: node)
        #expect(typed.typeURL == "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")
        #expect(typed.typeName == "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")
        #expect(typed.value["stat_prefix"]?.string == "a")
    }

    @Test func typedStructWithoutPrefixes() throws {
        let node = try ConfigNode.parse(
            yaml: """
                "@type": udpa.type.v1.TypedStruct
                type_url: envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                value: {stat_prefix: a, cluster: c}
                """,
            fileName: "t"
        )
        let typed = try TypedConfig(node: node)
        #expect(typed.wrapperTypeURL == TypedConfig.udpaTypedStructURL)
        #expect(typed.typeURL == "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")
        #expect(typed.typeURLMark.lineAndColumn == "2:11")
        #expect(typed.value["cluster"]?.string == "c")
    }

    @Test func otherTypeURLHostsAreKept() throws {
        let node = try ConfigNode.parse(yaml: "\"@type\": example.com/my.Config\n", fileName: "t")
        #expect(try TypedConfig(node: node).typeURL == "example.com/my.Config")
        #expect(TypedConfig.normalizedTypeURL("my.Config") == "type.googleapis.com/my.Config")
    }

    // MARK: yaml-cpp scalars

    struct Numbers: Decodable {
        var port: UInt32
        var limit: Int64
        var ratio: Double
        var flag: Bool
        var other: Bool
    }

    @Test func hexIntegersAndQuotedNumbers() throws {
        let numbers = try ConfigDecoder().decode(
            Numbers.self,
            yaml: "port: 0x2710\nlimit: \"-42\"\nratio: \"0.5\"\nflag: yes\nother: Off\n",
            fileName: "n"
        )
        #expect(numbers.port == 10000)
        #expect(numbers.limit == -42)
        #expect(numbers.ratio == 0.5)
        #expect(numbers.flag == true)
        #expect(numbers.other == false)
    }

    @Test(arguments: [("yes", true), ("Yes", true), ("YES", true), ("on", true), ("On", true), ("ON", true),
                      ("y", true), ("Y", true), ("no", false), ("No", false), ("NO", false), ("off", false),
                      ("Off", false), ("OFF", false), ("n", false), ("N", false), ("true", true), ("False", false)])
    func yamlCppBooleans(_ text: String, _ expected: Bool) throws {
        let node = try ConfigNode.parse(yaml: text, fileName: "b")
        #expect(try ConfigDecoder().decode(Bool.self, from: node) == expected)
    }

    @Test func quotedBooleanWordIsNotABoolean() throws {
        let error = try #require(decodeError(Bool.self, "'yes'", fileName: "b.yaml"))
        #expect(error.hasPrefix("b.yaml:1:1: error: expected a boolean"))
    }

    @Test func hexOutOfRangeAndMalformed() throws {
        let range = try #require(decodeError(UInt16.self, "0x10000", fileName: "h.yaml"))
        #expect(range.hasPrefix("h.yaml:1:1: error: integer 0x10000 is out of range for an unsigned 16-bit value"))
        let malformed = try #require(decodeError(UInt16.self, "0xZZ", fileName: "h.yaml"))
        #expect(malformed.hasPrefix("h.yaml:1:1: error: expected an integer, found '0xZZ'"))
        #expect(try ConfigDecoder().decode(Int32.self, yaml: "-0x10", fileName: "h") == -16)
        #expect(try ConfigDecoder().decode(Int32.self, yaml: "0o17", fileName: "h") == 15)
    }

    @Test func portValueAsHexInBootstrap() throws {
        let bootstrap = try BootstrapLoader().load(
            yaml: "admin:\n  address: {socket_address: {address: 127.0.0.1, port_value: 0x2710}}\n",
            fileName: "a.yaml"
        )
        #expect(bootstrap.admin?.address?.socketAddress?.portValue == 10000)
    }

    @Test func freeFormValuesFollowYamlCpp() throws {
        let node = try ConfigNode.parse(yaml: "{a: yes, b: off, c: 0x10, d: 'yes', e: \"0x10\"}", fileName: "v")
        let value = MetadataValue(node)
        #expect(value["a"] == .bool(true))
        #expect(value["b"] == .bool(false))
        #expect(value["c"] == .number(16))
        #expect(value["d"] == .string("yes"))
        #expect(value["e"] == .string("0x10"))
    }
}
