import Foundation
import NIOCore
import NIOPosix

/// Plain HTTP/1.1 requests to the admin server, over a real socket.
enum AdminClient {
    struct Response {
        let status: Int
        let body: String
    }

    static func request(port: Int, _ path: String, method: String = "GET") async throws -> Response {
        let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        let raw = try await TestClient.exchange(
            port: port,
            payload: ByteBuffer(string: request),
            group: MultiThreadedEventLoopGroup.singleton
        )
        let text = String(buffer: raw)
        let status = Int(text.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Response(status: status, body: body)
    }
}
