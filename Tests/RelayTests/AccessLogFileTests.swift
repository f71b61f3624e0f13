import Foundation
import Testing

@testable import Relay

/// Access-log files: lines wait in a buffer off the event loop and are written by the file's
/// own thread at 64 KiB or after the flush interval (Envoy's `--file-flush-interval-msec`),
/// on flush, on reopen and when the last logger goes.
@Suite(.timeLimit(.minutes(1)))
struct AccessLogFileTests {
    final class TemporaryDirectory {
        let path = NSTemporaryDirectory() + "relay-access-log-file-" + UUID().uuidString
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func contents(_ name: String) -> String {
            (try? String(contentsOfFile: path + "/" + name, encoding: .utf8)) ?? ""
        }
    }

    @Test func linesWaitForTheIntervalOrAFlush() throws {
        let directory = try TemporaryDirectory()
        let file = try AccessLogFile(path: directory.path + "/a.log", flushInterval: .seconds(3600))
        file.append("one\n")
        file.append("two\n")
        #expect(directory.contents("a.log") == "")
        file.flush()
        #expect(directory.contents("a.log") == "one\ntwo\n")
    }

    @Test func theFlushIntervalWritesWithoutAnyoneFlushing() async throws {
        let directory = try TemporaryDirectory()
        let (timedFlushes, timedFlush) = AsyncStream<Void>.makeStream()
        let file = try AccessLogFile(
            path: directory.path + "/a.log",
            flushInterval: .milliseconds(20),
            onTimedFlush: { timedFlush.yield() }
        )
        let start = ContinuousClock.now
        file.append("timed\n")
        var flushes = timedFlushes.makeAsyncIterator()
        _ = await flushes.next()
        #expect(directory.contents("a.log") == "timed\n")
        #expect(ContinuousClock.now - start >= .milliseconds(20))
        withExtendedLifetime(file) {}
    }

    @Test func sixtyFourKibibytesAreWrittenWithoutWaitingForTheInterval() throws {
        let directory = try TemporaryDirectory()
        let file = try AccessLogFile(path: directory.path + "/a.log", flushInterval: .seconds(3600))
        let line = String(repeating: "x", count: 1023) + "\n"
        for _ in 0..<63 { file.append(line) }
        file.waitForQueuedWrites()
        #expect(directory.contents("a.log").isEmpty)
        file.append(line)                                  // the 64th KiB
        file.waitForQueuedWrites()
        #expect(directory.contents("a.log").utf8.count == 64 * 1024)
    }

    @Test func reopenWritesTheBufferToTheOldFileThenOpensThePathAgain() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/a.log"
        let file = try AccessLogFile(path: path, flushInterval: .seconds(3600))
        file.append("before\n")
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try file.reopen()
        file.append("after\n")
        file.flush()
        #expect(directory.contents("a.log.1") == "before\n")
        #expect(directory.contents("a.log") == "after\n")
    }

    @Test func theLastReferenceWritesWhatIsLeft() throws {
        let directory = try TemporaryDirectory()
        do {
            let file = try AccessLogFile(path: directory.path + "/a.log", flushInterval: .seconds(3600))
            file.append("last words\n")
        }
        #expect(directory.contents("a.log") == "last words\n")
    }

    @Test func loggersOfOnePathShareOneFileAndFlushAllWritesThem() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/shared.log"
        func logger(_ format: String) throws -> AccessLogger {
            let config = AccessLogConfiguration(
                name: "envoy.access_loggers.file",
                typedConfig: .init(
                    type: AccessLogConfiguration.fileTypeURL,
                    path: path,
                    logFormat: .init(textFormat: format)
                )
            )
            return try AccessLogger(config)
        }
        let first = try logger("first\n")
        let second = try logger("second\n")
        #expect(try AccessLogFile.shared(path: path) === AccessLogFile.shared(path: path))
        let record = AccessLogRecord(refusedFrom: nil, to: nil, requestedServerName: "", responseFlags: [], details: "-")
        first.log(record)
        second.log(record)
        AccessLogger.flushAll()
        #expect(directory.contents("shared.log") == "first\nsecond\n")
    }
}
