import Foundation
import Testing

@Suite("Accounts through the cairn binary")
struct AuthE2ETests {
    @Test func registerLoginMeLogoutOverHTTP() async throws {
        let dataDir = temporaryDirectory("auth")
        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"])
        defer { server.terminate() }
        let http = HTTP(base: "http://127.0.0.1:\(try await server.waitForPort())")
        // With no administrator yet, the log offers a one-time setup token.
        #expect(server.log.contains("setup_token="))

        let registered = try await http.send("POST", "/api/auth/register", json: ["email": "e2e@example.com", "password": "correct horse battery"])
        #expect(registered.status == 201)
        let login = try await http.send("POST", "/api/auth/login", json: ["email": "e2e@example.com", "password": "correct horse battery"])
        #expect(login.status == 200)
        let token = try #require(login.json["access_token"] as? String)
        let me = try await http.send("GET", "/api/auth/me", token: token)
        #expect(me.status == 200)
        #expect(me.json["email"] as? String == "e2e@example.com")
        #expect(try await http.send("POST", "/api/auth/logout", token: token).status == 204)
        #expect(try await http.send("GET", "/api/auth/me", token: token).status == 401)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }

    @Test func adminCreatedOnTheCommandLineCanSignIn() async throws {
        let dataDir = temporaryDirectory("admin")
        let (status, output) = try await runCairn(["admin", "create", "--email", "Root@Example.com", "--password-stdin",
                                                   "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"],
                                                  stdin: "admin password 1\n")
        #expect(status == 0, "\(output)")
        #expect(output.contains("created administrator root@example.com"))
        let (weakStatus, weakOutput) = try await runCairn(["admin", "create", "--email", "other@example.com", "--password-stdin",
                                                           "--data-dir", dataDir.path], stdin: "short\n")
        #expect(weakStatus != 0)
        #expect(weakOutput.contains("password"))

        let server = try CairnProcess(["serve", "--port", "0", "--data-dir", dataDir.path, "--set", "auth.bcrypt_cost=4"])
        defer { server.terminate() }
        let http = HTTP(base: "http://127.0.0.1:\(try await server.waitForPort())")
        #expect(!server.log.contains("setup_token="))
        let login = try await http.send("POST", "/api/auth/login", json: ["email": "root@example.com", "password": "admin password 1"])
        #expect(login.status == 200)
        let token = try #require(login.json["access_token"] as? String)
        #expect((login.json["user"] as? [String: Any])?["role"] as? String == "admin")
        let users = try await http.send("GET", "/api/admin/users", token: token)
        #expect(users.status == 200)
        #expect((users.json["items"] as? [Any])?.count == 1)

        // Key rotation from the command line while the server runs: old tokens keep working.
        let (rotateStatus, rotated) = try await runCairn(["admin", "rotate-keys", "--data-dir", dataDir.path])
        #expect(rotateStatus == 0, "\(rotated)")
        #expect(try await http.send("GET", "/api/auth/me", token: token).status == 200)
        try await Task.sleep(for: .seconds(6))
        let jwks = try await http.send("GET", "/.well-known/jwks.json")
        #expect((jwks.json["keys"] as? [Any])?.count == 2)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(try await server.waitForExit() == 0)
    }
}
