import Foundation
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Plain blocking sockets on threads of their own: the cheapest client and echo server a test
/// can put around a relay, for tests that measure the relay with tens of thousands of
/// connections (a debug build of NIO costs several times the relay's own work per connection).
/// Threads, not the cooperative pool: every call here blocks.
enum BlockingSockets {
    /// A TCP socket connected to 127.0.0.1:`port`, or -1.
    static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            close(fd)
            return -1
        }
        return fd
    }

    /// Runs `count` connections to 127.0.0.1:`port` on `threads` threads: each sends
    /// `PING\r\n`, reads the same 6 bytes back, and closes. Returns how many got the echo.
    static func pingPong(count: Int, threads: Int, port: Int) async throws -> Int {
        let next = Counter()
        let good = Counter()
        let finished = Counter()
        for _ in 0..<threads {
            let thread = Thread(block: {
                let ping = Array("PING\r\n".utf8)
                while next.increment() <= count {
                    let fd = connect(port: port)
                    guard fd >= 0 else { continue }
                    var reply = [UInt8](repeating: 0, count: ping.count)
                    var got = 0
                    if send(fd, ping, ping.count, Int32(MSG_NOSIGNAL)) == ping.count {
                        while got < ping.count {
                            let n = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, ping.count - got, 0) }
                            if n <= 0 { break }
                            got += n
                        }
                    }
                    if got == ping.count && reply == ping { good.increment() }
                    close(fd)
                }
                finished.increment()
            })
            thread.start()
        }
        _ = try await eventually(timeout: .seconds(300)) { finished.value == threads }
        return good.value
    }

    final class Counter: Sendable {
        private let atomic = Atomic<Int>(0)
        var value: Int { atomic.load(ordering: .relaxed) }
        @discardableResult
        func increment() -> Int { atomic.wrappingAdd(1, ordering: .relaxed).newValue }
    }
}

/// An echo server on 127.0.0.1:0 served by `threads` blocking threads (each accepts, echoes
/// until the peer's FIN, closes, and accepts again).
final class BlockingEchoServer: Sendable {
    let port: Int
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let running: BlockingSockets.Counter

    init(threads: Int = 16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1024) == 0 else { throw FaultSocketError("echo server: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        running = BlockingSockets.Counter()
        port = Int(UInt16(bigEndian: address.sin_port))
        for _ in 0..<threads {
            running.increment()
            Thread(block: { [self] in serve(threads: threads) }).start()
        }
    }

    private func serve(threads: Int) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !stopping.load(ordering: .relaxed) {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { break }
                if send(client, buffer, n, Int32(MSG_NOSIGNAL)) != n { break }
            }
            close(client)
        }
        // The last thread out closes the listening socket (no thread is in accept() any more).
        if running.increment() == 2 * threads { close(fd) }
    }

    /// Stops accepting: wakes every thread blocked in `accept` (shutdown makes it fail).
    func stop() {
        stopping.store(true, ordering: .relaxed)
        shutdown(fd, Int32(SHUT_RDWR))
    }
}
