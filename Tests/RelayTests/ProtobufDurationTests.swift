import Foundation
import Relay
import Testing

/// `ProtobufDuration` holds nanoseconds in an `Int64`: text beyond that range is a decoding
/// error, never an arithmetic trap (issue 9 §3: `9223372037s` … `999999999999s` crashed).
@Suite struct ProtobufDurationTests {
    @Test(arguments: ["9223372037s", "999999999999s", "315576000000s", "9223372036.854775808s"])
    func outOfRangeTextIsRejected(_ text: String) {
        #expect(ProtobufDuration(parsing: text) == nil)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ProtobufDuration.self, from: Data("\"\(text)\"".utf8))
        }
    }

    @Test func largestRepresentableDurationParses() throws {
        let largest = try #require(ProtobufDuration(parsing: "9223372036.854775807s"))
        #expect(largest.nanoseconds == .max)
        #expect(ProtobufDuration(parsing: "9223372036s")?.nanoseconds == 9_223_372_036_000_000_000)
        #expect(ProtobufDuration(parsing: "1.5s")?.nanoseconds == 1_500_000_000)
    }

    @Test func decodingErrorExplainsTheRange() throws {
        do {
            _ = try JSONDecoder().decode(ProtobufDuration.self, from: Data("\"999999999999s\"".utf8))
            Issue.record("expected an error")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains("out of range"))
        }
    }

    @Test func secondsConstructorSaturates() {
        #expect(ProtobufDuration.seconds(999_999_999_999).nanoseconds == .max)
        #expect(ProtobufDuration.seconds(3600).nanoseconds == 3_600_000_000_000)
    }
}
