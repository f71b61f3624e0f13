import RelayConfig
import Testing

private struct Endpoint: Decodable, Equatable {
    var portValue: UInt32
    var hostName: String?
    var enabled: Bool?
    var tags: [String]?

    enum CodingKeys: String, CodingKey {
        case portValue = "port_value"
        case hostName = "host_name"
        case enabled, tags
    }
}

private struct Wrapper: Decodable {
    var endpoints: [Endpoint]
    var weight: Int64?
    var ratio: Double?
    var limit: Marked<UInt32>?
}

private struct Strict: Decodable, ConfigTypeNaming {
    static let configTypeName = "test.v3.Strict"
    var name: String
}

private struct MarkReader: Decodable {
    var mark: Mark?
    var keyMark: Mark?
    init(from decoder: any Decoder) throws {
        mark = decoder.configMark
        keyMark = decoder.configKeyMark
        _ = try decoder.container(keyedBy: Endpoint.CodingKeys.self).decodeIfPresent(UInt32.self, forKey: .portValue)
    }
}

private struct Holder: Decodable {
    var inner: MarkReader
}

@Suite struct ConfigDecoderTests {
    private let decoder = ConfigDecoder()

    @Test func snakeAndCamelCaseKeys() throws {
        let snake = try decoder.decode(Endpoint.self, yaml: "port_value: 80\nhost_name: a", fileName: "t.yaml")
        let camel = try decoder.decode(Endpoint.self, yaml: "portValue: 80\nhostName: a", fileName: "t.yaml")
        #expect(snake == camel)
        #expect(camel.portValue == 80)
        #expect(camel.hostName == "a")
    }

    @Test func nullMeansUnset() throws {
        let value = try decoder.decode(
            Endpoint.self,
            yaml: "port_value: 1\nhost_name:\nenabled: ~\ntags: null",
            fileName: "t.yaml"
        )
        #expect(value.hostName == nil)
        #expect(value.enabled == nil)
        #expect(value.tags == nil)
        // A quoted "null" is a string.
        let quoted = try decoder.decode(Endpoint.self, yaml: "port_value: 1\nhost_name: \"null\"", fileName: "t.yaml")
        #expect(quoted.hostName == "null")
    }

    @Test func singleValueWhereListExpected() throws {
        let one = try decoder.decode(Wrapper.self, yaml: "endpoints: {port_value: 1, tags: solo}", fileName: "t.yaml")
        #expect(one.endpoints == [Endpoint(portValue: 1, tags: ["solo"])])
        let many = try decoder.decode(
            Wrapper.self,
            yaml: "endpoints: [{port_value: 1}, {port_value: 2}]",
            fileName: "t.yaml"
        )
        #expect(many.endpoints.map(\.portValue) == [1, 2])
    }

    @Test func quotedIntegersAndBooleans() throws {
        let value = try decoder.decode(
            Wrapper.self,
            yaml: "endpoints: [{port_value: \"8080\", enabled: true}]\nweight: '9007199254740993'\nratio: 0.5",
            fileName: "t.yaml"
        )
        #expect(value.endpoints[0].portValue == 8080)
        #expect(value.endpoints[0].enabled == true)
        #expect(value.weight == 9_007_199_254_740_993)
        #expect(value.ratio == 0.5)
    }

    @Test func markedValuesAndDecoderMarks() throws {
        let value = try decoder.decode(Wrapper.self, yaml: "endpoints: []\nlimit: 42", fileName: "t.yaml")
        #expect(value.limit?.value == 42)
        #expect(value.limit?.mark == Mark(fileName: "t.yaml", line: 2, column: 8))
        let holder = try decoder.decode(Holder.self, yaml: "inner:\n  port_value: 1", fileName: "h.yaml")
        #expect(holder.inner.mark?.lineAndColumn == "2:3")
        #expect(holder.inner.keyMark?.lineAndColumn == "1:1")
    }

    @Test func unknownFieldGolden() {
        let yaml = "port_value: 80\nhostname: a\n"
        let expected = """
            t.yaml:2:1: error: unknown field 'hostname' in Endpoint
            hostname: a
            ^
            """
        #expect(decodeError(Endpoint.self, yaml) == expected)
    }

    @Test func unknownFieldUsesConfigTypeName() {
        let expected = """
            t.yaml:1:11: error: unknown field 'extra' in test.v3.Strict
            {name: a, extra: 1}
                      ^
            """
        #expect(decodeError(Strict.self, "{name: a, extra: 1}") == expected)
    }

    @Test func nestedUnknownField() {
        let error = decodeError(Wrapper.self, "endpoints:\n- port_value: 1\n  colour: red\n")
        #expect(error?.hasPrefix("t.yaml:3:3: error: unknown field 'colour' in Endpoint") == true)
    }

    @Test func wrongTypeGolden() {
        let expected = """
            t.yaml:1:13: error: expected an integer for 'port_value', found 'abc'
            port_value: abc
                        ^
            """
        #expect(decodeError(Endpoint.self, "port_value: abc") == expected)
        #expect(
            decodeError(Endpoint.self, "port_value: 1\nenabled: maybe")
                == "t.yaml:2:10: error: expected a boolean (true or false) for 'enabled', found 'maybe'\nenabled: maybe\n         ^"
        )
        #expect(
            decodeError(Endpoint.self, "port_value: [1]")?.hasPrefix(
                "t.yaml:1:13: error: expected an integer for 'port_value', found a list"
            ) == true
        )
    }

    @Test func outOfRangeInteger() {
        let error = decodeError(Endpoint.self, "port_value: 4294967296")
        #expect(
            error?.hasPrefix(
                "t.yaml:1:13: error: integer 4294967296 for 'port_value' is out of range for an unsigned 32-bit value (0...4294967295)"
            ) == true
        )
        #expect(decodeError(Endpoint.self, "port_value: -1")?.contains("out of range") == true)
    }

    @Test func missingRequiredField() {
        let expected = """
            t.yaml:1:1: error: missing required field 'port_value' in Endpoint
            host_name: x
            ^
            """
        #expect(decodeError(Endpoint.self, "host_name: x") == expected)
    }

    @Test func decodeArbitraryNode() throws {
        let node = try ConfigNode.parse(yaml: "items: [{port_value: 7}]", fileName: "n.yaml")
        let items = try #require(node["items"])
        let endpoints = try ConfigDecoder().decode([Endpoint].self, from: items)
        #expect(endpoints.map(\.portValue) == [7])
    }

    @Test func configValueAccessors() throws {
        let yaml = """
            istio:
              services:
              - host: productpage.default.svc.cluster.local
                name: productpage
                namespace: default
              count: 3
              on: true
              quoted: "42"
              none: null
            """
        let value = try ConfigDecoder().decode([String: MetadataValue].self, yaml: yaml, fileName: "v.yaml")
        let service = value["istio"]?["services"]?[0]
        #expect(service?["host"]?.stringValue == "productpage.default.svc.cluster.local")
        #expect(service?["name"]?.stringValue == "productpage")
        #expect(service?["namespace"]?.stringValue == "default")
        #expect(value["istio"]?["count"]?.numberValue == 3)
        #expect(value["istio"]?["on"]?.boolValue == true)
        #expect(value["istio"]?["quoted"] == "42")
        #expect(value["istio"]?["none"]?.isNull == true)
        #expect(value["istio"]?["services"]?[5] == nil)
    }
}

@Suite struct ConfigDurationTests {
    @Test(arguments: [
        ("1s", Int64(1_000_000_000)),
        ("0.25s", 250_000_000),
        ("1.5s", 1_500_000_000),
        ("0s", 0),
        ("0.000000001s", 1),
        ("-2.5s", -2_500_000_000),
        ("3600s", 3_600_000_000_000),
    ])
    func parses(text: String, nanoseconds: Int64) throws {
        let duration = try #require(ConfigDuration(parsing: text))
        #expect(duration.nanoseconds == nanoseconds)
        #expect(duration.description == text)
    }

    @Test(arguments: ["5m", "100ms", "1", "s", ".5s", "1.s", "1.0000000001s", "1 s", "abc", "1e3s"])
    func rejects(text: String) {
        #expect(ConfigDuration(parsing: text) == nil)
    }

    @Test func swiftDuration() throws {
        let duration = try #require(ConfigDuration(parsing: "1.5s"))
        #expect(duration.duration == .milliseconds(1500))
        #expect(ConfigDuration(.milliseconds(250)) == ConfigDuration(parsing: "0.25s"))
        #expect(ConfigDuration.milliseconds(1500).description == "1.5s")
        #expect(ConfigDuration.zero < duration)
    }

    @Test func badDurationGolden() {
        struct Holder: Decodable {
            var timeout: ConfigDuration
        }
        let expected = """
            t.yaml:1:10: error: invalid duration '5m' for 'timeout': expected seconds with an 's' suffix and at most 9 fractional digits, like '1s', '0.25s' or '1.5s'
            timeout: 5m
                     ^
            """
        #expect(decodeError(Holder.self, "timeout: 5m") == expected)
    }
}
