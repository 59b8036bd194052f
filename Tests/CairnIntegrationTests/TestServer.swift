import CairnAgents
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationEssentialsCompat

/// A real Cairn application on a loopback port over a real database file in a fresh directory.
struct TestServer {
    let directory: URL
    let overrides: [String: String]

    init(_ overrides: [String: String] = [:], directory: URL? = nil) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("cairn-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        self.overrides = overrides
    }

    var databasePath: String { directory.appendingPathComponent("cairn.db").path }

    func settings() throws -> EffectiveSettings {
        var flags = ["server.port": "0", "data.dir": directory.path, "auth.bcrypt_cost": "4"]
        flags.merge(overrides) { $1 }
        return try ConfigurationLoader.load(ConfigurationSources(flags: flags))
    }

    /// Opens the database, serves the app for the duration of `body`, then closes the database.
    func run<T: Sendable>(clock: any WallClock = SystemClock(), _ body: @Sendable (any TestClientProtocol, ServerEnvironment) async throws -> T) async throws -> T {
        let store = try Store(path: databasePath)
        defer { try? store.close() }
        var logger = Logger(label: "cairn-test")
        logger.logLevel = .warning
        // As `cairn serve` does: the runtime settings stored in the database on top.
        let settings = try settings().withRuntime(try SettingsRepository(store.pool).all())
        let env = try await ServerEnvironment.boot(settings: settings, store: store, logger: logger, clock: clock)
        // HummingbirdTesting ends a live server by cancelling it, which Hummingbird reports as an
        // error ("Waiting on child channel: CancellationError()") on every test: its own logger
        // stays quiet here; Cairn's logs keep the warning level above.
        var quiet = logger
        quiet.logLevel = .critical
        let app = CairnApplication.makeApplication(env, serverLogger: quiet)
        let result = try await app.test(.live) { client in try await body(client, env) }
        await env.engine.shutdown()
        return result
    }
}

extension TestResponse {
    /// The body decoded as a JSON object.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
        guard let dictionary = object as? [String: Any] else { throw CairnError(.invalidRequest, "not an object") }
        return dictionary
    }

    var text: String { String(buffer: body) }

    func errorCode() throws -> String? {
        (try json()["error"] as? [String: Any])?["code"] as? String
    }
}

func jsonBody(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

func headers(_ pairs: [String: String]) -> HTTPFields {
    var fields = HTTPFields()
    for (name, value) in pairs { fields[HTTPField.Name(name)!] = value }
    return fields
}

extension TestClientProtocol {
    /// Sends JSON (optionally with a bearer token) and returns the response.
    func call(_ method: HTTPRequest.Method, _ uri: String, json: [String: Any]? = nil, token: String? = nil,
              extraHeaders: [String: String] = [:]) async throws -> TestResponse {
        var fields = headers(extraHeaders)
        if json != nil { fields[.contentType] = "application/json" }
        if let token { fields[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: fields, body: json.map(jsonBody))
    }

    /// Registers an account and returns `(access, refresh, user id)`.
    func registerUser(_ email: String, password: String = "correct horse battery") async throws -> (access: String, refresh: String, userID: String) {
        let response = try await call(.post, "/api/auth/register", json: ["email": email, "password": password, "name": "Test"])
        guard response.status == .created else { throw CairnError(.internal, "register failed: \(response.status) \(response.text)") }
        let body = try response.json()
        let user = body["user"] as? [String: Any]
        return (body["access_token"] as! String, body["refresh_token"] as! String, user?["id"] as! String)
    }
}
