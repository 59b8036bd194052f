import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A real OpenID Connect provider (the `oidc-provider-mock` package, built on Authlib) run as a
/// child process on a free loopback port, and a browser-like client for its pages that never
/// follows redirects. The Python comes from `CAIRN_OIDC_PYTHON` or `.build/oidc-venv`
/// (`make test` installs it).
final class OIDCProviderProcess: Sendable {
    let process: Process
    let port: Int
    var issuer: String { "http://127.0.0.1:\(port)" }
    /// Ports handed to providers in this test process.
    private static let claimedPorts = Mutex<Set<Int>>([])
    static let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    static var python: String {
        if let explicit = ProcessInfo.processInfo.environment["CAIRN_OIDC_PYTHON"] { return explicit }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/oidc-venv/bin/python").path
    }

    init() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw OIDCTestError("no Python with oidc-provider-mock at \(Self.python): run `make test` (it installs .build/oidc-venv) or set CAIRN_OIDC_PYTHON")
        }
        // A port below Linux's ephemeral range (32768 and up), where the suites' own client
        // connections and port-0 servers live, and never one another provider of this run has
        // (it would answer for this one). One another process holds makes the provider exit,
        // and another port is tried.
        for attempt in 1...3 {
            let port = Self.claimedPorts.withLock { claimed in
                var port = Int.random(in: 20_000...32_000)
                while claimed.contains(port) { port = Int.random(in: 20_000...32_000) }
                claimed.insert(port)
                return port
            }
            let process = Self.launch(port: port)
            try process.run()
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, process.isRunning {
                if let (status, _, _) = try? await Self.request(.GET, "http://127.0.0.1:\(port)/.well-known/openid-configuration"), status == 200 {
                    self.process = process
                    self.port = port
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let exited = !process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if !exited || attempt == 3 {
                throw OIDCTestError("the OIDC provider did not start on port \(port) (\(exited ? "it exited" : "no answer in 30 s"))")
            }
        }
        throw OIDCTestError("unreachable")
    }

    private static func launch(port: Int) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "oidc_provider_mock", "--port", String(port), "--require-nonce", "true"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    /// SIGKILL: the provider's development server does not always exit on SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sets the claims the provider reports for a subject.
    func setUser(_ sub: String, claims: [String: Any]) async throws {
        let (status, _, _) = try await request(.PUT, issuer + "/users/\(sub)", body: try JSONSerialization.data(withJSONObject: claims),
                                               contentType: "application/json")
        guard status == 204 else { throw OIDCTestError("setting user \(sub) answered \(status)") }
    }

    /// Submits the provider's authorization form as a person would: signs in as `sub` (or
    /// denies) and returns where the provider redirects the browser.
    func authorize(_ url: String, as sub: String, deny: Bool = false) async throws -> String {
        let form = deny ? "action=deny" : "sub=\(sub.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? sub)"
        let (status, headers, body) = try await request(.POST, url, body: Data(form.utf8), contentType: "application/x-www-form-urlencoded")
        guard (300..<400).contains(status), let location = headers["location"].first else {
            throw OIDCTestError("authorize answered \(status): \(String(decoding: body.prefix(500), as: UTF8.self))")
        }
        return location
    }

    func request(_ method: HTTPMethod, _ url: String, body: Data? = nil, contentType: String? = nil) async throws -> (Int, HTTPHeaders, Data) {
        try await Self.request(method, url, body: body, contentType: contentType)
    }

    static func request(_ method: HTTPMethod, _ url: String, body: Data? = nil, contentType: String? = nil) async throws -> (Int, HTTPHeaders, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers, Data(bytes.readableBytesView))
    }
}

struct OIDCTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
