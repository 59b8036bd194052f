import AsyncHTTPClient
import CairnCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// `http_get`: fetches a URL from an allowlisted host. Off unless `tools.http_get.enabled`; private,
/// loopback and link-local addresses are refused unless `tools.http_get.allow_private`; redirects
/// are not followed (they could lead anywhere); the body is capped at `tools.http_get.max_bytes`.
public struct HTTPGetTool: Tool {
    public let name = "http_get"
    public let description = "Fetches a web page or JSON document (GET) from an allowed host."
    public let parameters: JSONValue = [
        "type": "object",
        "properties": ["url": ["type": "string", "minLength": 8, "maxLength": 2000]],
        "required": ["url"],
        "additionalProperties": false,
    ]

    public init() {}

    public func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue {
        let settings = context.settings
        guard settings[.toolsHTTPGetEnabled] else { throw ToolFailure("http_get is disabled on this server") }
        guard let url = URL(string: arguments["url"]?.stringValue ?? ""), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host?.lowercased(), !host.isEmpty
        else {
            throw ToolFailure("url must be an absolute http or https URL")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        guard Self.hostAllowed(host, port: url.port, scheme: scheme, allowlist: settings[.toolsHTTPGetAllowedHosts]) else {
            throw ToolFailure(
                url.port == nil
                    ? "host \(host) is not on the allowlist"
                    : "\(host):\(port) is not on the allowlist (a port other than the scheme's default must be listed)")
        }
        // One lookup; the connection goes to the address that was checked (no second lookup a
        // rebinding DNS server could answer differently).
        let addresses = try await NIOThreadPool.singleton.runIfActive { Self.resolve(host) }
        guard let address = addresses.first(where: { !$0.contains(":") }) ?? addresses.first else { throw ToolFailure("cannot resolve \(host)") }
        if !settings[.toolsHTTPGetAllowPrivate], addresses.contains(where: { !AddressPolicy.isPublic($0) }) {
            throw ToolFailure("\(host) resolves to a private, local or special-purpose address")
        }
        // One breaker per host: a host that keeps failing is not asked again until it may have recovered.
        let breaker = context.breakers.breaker("tool:\(host)")
        let permit: CircuitBreaker.Permit
        do {
            permit = try breaker.acquire()
        } catch {
            throw ToolFailure(error.description)
        }
        do {
            let result = try await fetch(url, pinnedTo: address, settings: settings)
            breaker.record(permit, (result["status"]?.intValue ?? 0) >= 500 ? .failure : .success)
            return result
        } catch {
            breaker.record(permit, Task.isCancelled ? .ignored : .failure)
            throw error
        }
    }

    /// The HTTP client configuration that sends `host` to `address` only (TLS still verifies `host`).
    static func pinnedConfiguration(host: String, address: String) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.dnsOverride = [host: address]
        return configuration
    }

    func fetch(_ url: URL, pinnedTo address: String, settings: EffectiveSettings) async throws -> JSONValue {
        let host = url.host?.lowercased() ?? ""
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: Self.pinnedConfiguration(host: host, address: address))
        do {
            let result = try await fetch(url, client: client, settings: settings)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func fetch(_ url: URL, client: HTTPClient, settings: EffectiveSettings) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "cairn-http_get")
        let response = try await client.execute(request, timeout: .seconds(Int64(settings[.toolsTimeoutSeconds])))
        let limit = settings[.toolsHTTPGetMaxBytes]
        var body = ByteBuffer()
        var truncated = false
        for try await chunk in response.body {
            let room = limit - body.readableBytes
            if chunk.readableBytes > room {
                body.writeImmutableBuffer(chunk.getSlice(at: chunk.readerIndex, length: max(0, room)) ?? ByteBuffer())
                truncated = true
                break
            }
            body.writeImmutableBuffer(chunk)
        }
        return [
            "status": .number(Double(response.status.code)), "content_type": .string(response.headers.first(name: "content-type") ?? ""),
            "body": .string(String(buffer: body)), "truncated": .bool(truncated),
        ]
    }

    /// Exact host names, or `.example.com` for any subdomain; comma separated. A URL with a port
    /// other than its scheme's default needs an entry naming it (`host:8080`, or `host:*`).
    static func hostAllowed(_ host: String, port: Int? = nil, scheme: String = "https", allowlist: String) -> Bool {
        let defaultPort = scheme == "https" ? 443 : 80
        return allowlist.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.contains { entry in
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard let name = parts.first, !name.isEmpty else { return false }
            let hostMatches = name == host || (name.hasPrefix(".") && host.hasSuffix(name))
            guard hostMatches else { return false }
            guard let port, port != defaultPort else { return true }
            return parts.count == 2 && (parts[1] == "*" || parts[1] == String(port))
        }
    }

    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if info.pointee.ai_family == AF_INET, let address = info.pointee.ai_addr {
                var ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                inet_ntop(AF_INET, &ipv4, &buffer, socklen_t(buffer.count))
                addresses.append(Self.text(buffer))
            } else if info.pointee.ai_family == AF_INET6, let address = info.pointee.ai_addr {
                var ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                inet_ntop(AF_INET6, &ipv6, &buffer, socklen_t(buffer.count))
                addresses.append(Self.text(buffer))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// A NUL-terminated C string buffer as text.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

}
