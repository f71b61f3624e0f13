import Relay
import Testing

/// Envoy's L4 response flags and their short names (%RESPONSE_FLAGS%).
@Suite("ResponseFlags")
struct ResponseFlagsTests {
    @Test("no flags render as -")
    func empty() {
        #expect(ResponseFlags().description == "-")
    }

    @Test(
        "each flag has Envoy's short name",
        arguments: [
            (ResponseFlags.noHealthyUpstream, "UH"),
            (.upstreamConnectionFailure, "UF"),
            (.upstreamOverflow, "UO"),
            (.noRoute, "NR"),
            (.upstreamRetryLimitExceeded, "URX"),
            (.noClusterFound, "NC"),
            (.upstreamRemoteReset, "UR"),
            (.streamIdleTimeout, "SI"),
            (.downstreamConnectionTermination, "DC"),
        ]
    )
    func shortNames(flag: ResponseFlags, name: String) {
        #expect(flag.description == name)
    }

    @Test("several flags join with commas in Envoy's flag order")
    func combinationsInEnvoyOrder() {
        // Envoy orders by flag bit: UH, UR, UF, UO, NR, DC, URX, SI, …, NC.
        #expect(ResponseFlags([.upstreamConnectionFailure, .upstreamRetryLimitExceeded]).description == "UF,URX")
        #expect(ResponseFlags([.upstreamConnectionFailure, .upstreamRemoteReset]).description == "UR,UF")
        #expect(ResponseFlags([.upstreamRetryLimitExceeded, .downstreamConnectionTermination]).description == "DC,URX")
        #expect(ResponseFlags([.noClusterFound, .streamIdleTimeout]).description == "SI,NC")
        let all: ResponseFlags = [
            .noHealthyUpstream, .upstreamConnectionFailure, .upstreamOverflow, .noRoute,
            .upstreamRetryLimitExceeded, .noClusterFound, .upstreamRemoteReset, .streamIdleTimeout,
            .downstreamConnectionTermination,
        ]
        #expect(all.description == "UH,UR,UF,UO,NR,DC,URX,SI,NC")
    }

    @Test("flags are a set: inserting twice is one flag")
    func setSemantics() {
        var flags = ResponseFlags()
        flags.insert(.noRoute)
        flags.insert(.noRoute)
        #expect(flags == .noRoute)
        #expect(flags.contains(.noRoute))
        #expect(!flags.contains(.upstreamOverflow))
    }
}
