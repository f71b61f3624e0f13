import RelayConfig
import Testing

private struct TcpProxy: Decodable, ConfigTypeNaming {
    static let configTypeName = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
    var statPrefix: String
    var cluster: Marked<String>

    enum CodingKeys: String, CodingKey {
        case statPrefix = "stat_prefix"
        case cluster
    }
}

private struct Holder: Decodable {
    var typedConfig: TypedConfig

    enum CodingKeys: String, CodingKey {
        case typedConfig = "typed_config"
    }
}

@Suite struct TypedConfigTests {
    @Test func plainAny() throws {
        let yaml = """
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: ingress
              cluster: backend
            """
        let typed = try ConfigDecoder().decode(Holder.self, yaml: yaml, fileName: "t.yaml").typedConfig
        #expect(typed.typeURL == "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")
        #expect(typed.typeName == "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")
        #expect(!typed.isWrapped)
        #expect(typed.value.mapping?.keys == ["stat_prefix", "cluster"])
        #expect(typed.mark.lineAndColumn == "2:3")
        #expect(typed.typeURLMark.lineAndColumn == "2:12")
        let proxy = try typed.decode(TcpProxy.self)
        #expect(proxy.statPrefix == "ingress")
        #expect(proxy.cluster.value == "backend")
        #expect(proxy.cluster.mark.lineAndColumn == "4:12")
    }

    @Test(arguments: [
        "type.googleapis.com/udpa.type.v1.TypedStruct",
        "type.googleapis.com/xds.type.v3.TypedStruct",
    ])
    func typedStructIsUnwrapped(wrapper: String) throws {
        let yaml = """
            typed_config:
              "@type": \(wrapper)
              type_url: type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              value:
                stat_prefix: wrapped
                cluster: backend
            """
        let typed = try ConfigDecoder().decode(Holder.self, yaml: yaml, fileName: "w.yaml").typedConfig
        #expect(typed.isWrapped)
        #expect(typed.wrapperTypeURL == wrapper)
        #expect(typed.typeURL == "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy")
        #expect(typed.typeURLMark.lineAndColumn == "3:13")
        #expect(typed.value.mark.lineAndColumn == "5:5")
        let proxy = try typed.decode(TcpProxy.self)
        #expect(proxy.statPrefix == "wrapped")
    }

    @Test func emptyMessage() throws {
        let yaml =
            "typed_config:\n  \"@type\": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector\n"
        let typed = try ConfigDecoder().decode(Holder.self, yaml: yaml, fileName: "e.yaml").typedConfig
        #expect(typed.value.mapping?.entries.isEmpty == true)
    }

    @Test func missingTypeGolden() {
        let expected = """
            t.yaml:2:3: error: 'typed_config' needs an '@type' field naming the config type
              cluster: x
              ^
            """
        #expect(decodeError(Holder.self, "typed_config:\n  cluster: x\n") == expected)
    }

    @Test func unknownFieldInsideTypedConfig() throws {
        let yaml = """
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              stat_prefix: s
              cluster: c
              idle: 1s
            """
        let typed = try ConfigDecoder().decode(Holder.self, yaml: yaml, fileName: "u.yaml").typedConfig
        #expect(throws: ConfigError.self) { try typed.decode(TcpProxy.self) }
        do {
            _ = try typed.decode(TcpProxy.self)
        } catch let error as ConfigError {
            #expect(
                error.description == """
                    u.yaml:5:3: error: unknown field 'idle' in envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      idle: 1s
                      ^
                    """
            )
        }
    }
}
