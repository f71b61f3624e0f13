import RelayConfig
import Testing

/// Decoding `filter_chain_matcher` (`xds.type.matcher.v3.Matcher`) and its errors.
@Suite struct FilterChainMatcherConfigTests {
    static let sni = "{ name: sni, typed_config: { \"@type\": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.ServerNameInput } }"

    static func action(_ chain: String) -> String {
        "{ action: { name: chain, typed_config: { \"@type\": type.googleapis.com/google.protobuf.StringValue, value: \(chain) } } }"
    }

    @Test func treeDecodesWithInputMapAndActions() throws {
        let config = try ConfigDecoder().decode(FilterChainMatcherConfig.self, yaml: """
            matcher_tree:
              input: \(Self.sni)
              exact_match_map:
                map:
                  a.example: \(Self.action("a"))
                  b.example: \(Self.action("b"))
            on_no_match: \(Self.action("c"))
            """, fileName: "m.yaml")
        guard case .tree(let tree) = config.matcherType, case .exact(let entries) = tree.tree else {
            Issue.record("expected an exact tree")
            return
        }
        #expect(tree.input == .serverName)
        #expect(entries.map(\.key) == ["a.example", "b.example"])
        #expect(config.actionChainNames.map(\.value) == ["a", "b", "c"])
    }

    @Test func typeURLsWithoutThePrefixAreAccepted() throws {
        let config = try ConfigDecoder().decode(FilterChainMatcherConfig.self, yaml: """
            matcher_tree:
              input: { name: p, typed_config: { "@type": envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput } }
              exact_match_map: { map: { "443": { action: { name: c, typed_config: { "@type": google.protobuf.StringValue, value: a } } } } }
            """, fileName: "m.yaml")
        guard case .tree(let tree) = config.matcherType else { return }
        #expect(tree.input == .destinationPort)
    }

    @Test func listDecodesPredicates() throws {
        let config = try ConfigDecoder().decode(FilterChainMatcherConfig.self, yaml: """
            matcher_list:
              matchers:
              - predicate:
                  not_matcher:
                    single_predicate: { input: \(Self.sni), value_match: { prefix: api. } }
                on_match: \(Self.action("a"))
            """, fileName: "m.yaml")
        guard case .list(let matchers) = config.matcherType, case .not(.value(.serverName, let value)) = matchers[0].predicate else {
            Issue.record("expected a not(single) predicate")
            return
        }
        #expect(value.pattern == .prefix("api."))
    }

    @Test("errors name file:line:col", arguments: [
        (
            """
            matcher_tree:
              input: { name: x, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.FilterStateInput } }
              exact_match_map: { map: { a: { action: { name: c, typed_config: { "@type": google.protobuf.StringValue, value: a } } } } }
            """,
            "m.yaml:2:",
            "unsupported matcher input type 'type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.FilterStateInput'"
        ),
        (
            """
            on_no_match: { action: { name: c, typed_config: { "@type": type.googleapis.com/google.protobuf.BoolValue, value: true } } }
            """,
            "m.yaml:1:",
            "the action must be a type.googleapis.com/google.protobuf.StringValue"
        ),
        (
            """
            matcher_tree:
              input: \(FilterChainMatcherConfigTests.sni)
              custom_match: { name: ip, typed_config: { "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher, range_matchers: [] } }
            """,
            "m.yaml:2:",
            "an IP matcher needs an IP address input"
        ),
        (
            """
            on_no_match: { keep_matching: true, action: { name: c, typed_config: { "@type": google.protobuf.StringValue, value: a } } }
            """,
            "m.yaml:1:",
            "'keep_matching' is not supported by Relay"
        ),
        (
            """
            matcher_list:
              matchers:
              - predicate: { single_predicate: { input: \(FilterChainMatcherConfigTests.sni) } }
                on_match: { action: { name: c, typed_config: { "@type": google.protobuf.StringValue, value: a } } }
            """,
            "m.yaml:3:",
            "exactly one of 'value_match' or 'custom_match'"
        ),
        (
            """
            matcher_tree:
              input: { name: x, typed_config: { "@type": envoy.extensions.matching.common_inputs.network.v3.SourceIPInput, extra: 1 } }
              exact_match_map: { map: { a: { action: { name: c, typed_config: { "@type": google.protobuf.StringValue, value: a } } } } }
            """,
            "m.yaml:2:",
            "unknown field 'extra'"
        ),
        (
            """
            matcher_list: { matchers: [] }
            """,
            "m.yaml:1:",
            "at least one entry in 'matchers'"
        ),
    ])
    func errors(yaml: String, location: String, message: String) {
        let error = decodeError(FilterChainMatcherConfig.self, yaml, fileName: "m.yaml")
        #expect(error?.hasPrefix(location) == true, "\(error ?? "no error")")
        #expect(error?.contains(message) == true, "\(error ?? "no error")")
    }

    @Test func theUnsupportedInputErrorListsTheSupportedOnes() {
        let error = decodeError(FilterChainMatcherConfig.self, """
            matcher_tree:
              input: { name: x, typed_config: { "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.Nope } }
              exact_match_map: { map: { a: { action: { name: c, typed_config: { "@type": google.protobuf.StringValue, value: a } } } } }
            """, fileName: "m.yaml") ?? ""
        for input in NetworkMatchInput.allCases {
            #expect(error.contains(input.typeURL))
        }
    }
}
