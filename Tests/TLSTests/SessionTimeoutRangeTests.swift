import TLS
import Foundation
import Testing

/// `session_timeout` beyond protobuf's Duration range is a decoding error, not a trap when
/// converting to milliseconds (issue 9 §3).
@Suite struct SessionTimeoutRangeTests {
    @Test(arguments: ["1e300s", "999999999999999999999s", "315576000001s", "-1s", "nans", "infs"])
    func outOfRangeSessionTimeoutIsAnError(_ text: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DownstreamTLSContext.self, from: Data("{\"session_timeout\": \"\(text)\"}".utf8))
        }
    }

    @Test func largestSessionTimeoutLoads() throws {
        let context = try JSONDecoder().decode(
            DownstreamTLSContext.self,
            from: Data("{\"session_timeout\": \"315576000000s\"}".utf8)
        )
        #expect(context.sessionTimeout == .seconds(315_576_000_000))
    }
}
