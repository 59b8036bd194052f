import AsyncHTTPClient
import CairnCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The streaming HTTP call every real provider makes: POST JSON, check the status, then parse
/// the server-sent events of the body. Silence longer than `timeout` (before the head or between
/// chunks) fails with `.timeout`; cancelling the consuming task closes the connection at once.
enum ProviderHTTP {
    /// A refused connection fails at once (AsyncHTTPClient would otherwise keep retrying it until the
    /// connect timeout, 10 s): the provider's own retries, backoff and breaker decide what happens next.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    static let maxErrorBodyBytes = 64 * 1024

    static func events(url: String, headers: [(String, String)], body: JSONValue, timeout: Duration) -> AsyncThrowingStream<
        ServerSentEvent, any Error
    > {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await stream(url: url, headers: headers, body: body, timeout: timeout) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func stream(
        url: String, headers: [(String, String)], body: JSONValue, timeout: Duration,
        yield: @escaping @Sendable (ServerSentEvent) -> Void
    ) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "User-Agent", value: "cairn")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body.jsonText))
        let milliseconds = timeout.wholeMilliseconds
        let prepared = request
        let lastActivity = LastActivity()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let response: HTTPClientResponse
                do {
                    response = try await client.execute(prepared, deadline: .now() + .milliseconds(Int64(milliseconds)))
                } catch let error as HTTPClientError where error == .deadlineExceeded {
                    throw ProviderError.timeout(milliseconds: milliseconds)
                } catch {
                    throw transportError(error)
                }
                lastActivity.touch()
                guard (200..<300).contains(response.status.code) else {
                    let text = (try? await response.body.collect(upTo: maxErrorBodyBytes)).map { String(buffer: $0) } ?? ""
                    throw ProviderError.http(
                        status: Int(response.status.code), message: ProviderError.message(fromBody: text),
                        retryAfter: ProviderError.retryAfter(response.headers.first(name: "retry-after")))
                }
                var parser = ServerSentEventParser()
                do {
                    for try await chunk in response.body {
                        lastActivity.touch()
                        for event in try parser.feed(chunk.readableBytesView) { yield(event) }
                    }
                } catch let error as ServerSentEventParser.Failure {
                    throw ProviderError.malformed("\(error)")
                } catch {
                    throw transportError(error)
                }
                if let last = parser.finish() { yield(last) }
            }
            // The idle watchdog: fails the call when nothing arrived for `timeout`.
            group.addTask {
                while true {
                    let idle = ContinuousClock.now - lastActivity.value
                    if idle >= timeout { throw ProviderError.timeout(milliseconds: milliseconds) }
                    try await Task.sleep(for: timeout - idle)
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// A vendor's event stream turned into provider chunks by `Decoder`, until the decoder has
    /// seen the stream's end; the consumer going away cancels the HTTP stream.
    static func chunks<Decoder: StreamDecoder>(
        _ events: AsyncThrowingStream<ServerSentEvent, any Error>,
        decoder _: Decoder.Type
    ) -> AsyncThrowingStream<ProviderChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var decoder = Decoder()
                do {
                    for try await event in events {
                        for chunk in try decoder.decode(event) { continuation.yield(chunk) }
                        if decoder.done { break }
                    }
                    for chunk in try decoder.finish() { continuation.yield(chunk) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func transportError(_ error: any Error) -> any Error {
        if error is CancellationError || error is ProviderError { return error }
        if let http = error as? HTTPClientError, http == .cancelled { return CancellationError() }
        return ProviderError.transport(connectionProblem(error))
    }

    /// A network failure in a few plain words ("the connection was refused") instead of the
    /// nested NIO description (`connection reset (error set): Connection refused (errno: 111)`).
    static func connectionProblem(_ error: any Error) -> String {
        let text = "\(error)"
        let lower = text.lowercased()
        if lower.contains("connection refused") { return "the connection was refused (nothing is listening at the provider's address)" }
        if lower.contains("timed out") || lower.contains("timeout") { return "connecting timed out" }
        if lower.contains("name or service not known") || lower.contains("nodename nor servname") || lower.contains("lookup") {
            return "the provider's host name could not be resolved"
        }
        if lower.contains("certificate") || lower.contains("handshake") || lower.contains("tls") { return "the TLS handshake failed" }
        if lower.contains("reset") || lower.contains("eof") || lower.contains("closed") { return "the connection was closed by the provider" }
        return "connection failed: \(text)"
    }
}
