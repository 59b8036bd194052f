import CairnCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The web pages' token delivery: `X-Cairn-Refresh: cookie` moves the refresh token from the JSON
/// body into an HttpOnly cookie that only `/api/auth` sees.
struct RefreshCookieTests {
    static let cookieMode = ["X-Cairn-Refresh": "cookie"]

    /// `name=value` of the `Set-Cookie` field that sets `name`, and that field's attributes.
    func cookie(_ name: String, in response: TestResponse) -> (value: String, attributes: [String])? {
        for field in response.headers where field.name == .setCookie && field.value.hasPrefix(name + "=") {
            let parts = field.value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return (String(parts[0].dropFirst(name.count + 1)), Array(parts.dropFirst()))
        }
        return nil
    }

    @Test func theRefreshTokenTravelsOnlyInAnHttpOnlyCookieWhenAsked() async throws {
        try await TestServer().run { client, _ in
            _ = try await client.registerUser("cookie@example.com")
            let credentials = ["email": "cookie@example.com", "password": "correct horse battery"]

            // Without the header: the documented body, no cookie.
            let plain = try await client.call(.post, "/api/auth/login", json: credentials)
            #expect(plain.status == .ok)
            #expect(try plain.json()["refresh_token"] is String)
            #expect(!plain.headers.contains { $0.name == .setCookie })

            // With it: no refresh token in the body; an HttpOnly, SameSite=Strict cookie on /api/auth.
            let login = try await client.call(.post, "/api/auth/login", json: credentials, extraHeaders: Self.cookieMode)
            #expect(login.status == .ok)
            let body = try login.json()
            #expect(body["refresh_token"] == nil && body["access_token"] is String)
            let refresh = try #require(cookie("cairn_refresh", in: login))
            #expect(refresh.value.split(separator: ".").count == 3, "a JWT")
            #expect(Set(refresh.attributes).isSuperset(of: ["Path=/api/auth", "HttpOnly", "SameSite=Strict", "Max-Age=1209600"]))
            #expect(!refresh.attributes.contains("Secure"), "plain HTTP here")
            let marker = try #require(cookie("cairn_signed_in", in: login))
            #expect(marker.value == "1" && marker.attributes.contains("Path=/") && !marker.attributes.contains("HttpOnly"))

            // The cookie alone is not enough: without the header the body must carry the token.
            let noHeader = try await client.call(.post, "/api/auth/refresh", json: [:], extraHeaders: ["Cookie": "cairn_refresh=\(refresh.value)"])
            #expect(noHeader.status == .unprocessableContent)
            #expect(try noHeader.errorCode() == "validation_failed")

            // With header and cookie: a new access token and a rotated cookie.
            let rotated = try await client.call(.post, "/api/auth/refresh", json: [:],
                                                extraHeaders: Self.cookieMode.merging(["Cookie": "cairn_refresh=\(refresh.value)"]) { $1 })
            #expect(rotated.status == .ok)
            #expect(try rotated.json()["refresh_token"] == nil)
            let access = try #require(try rotated.json()["access_token"] as? String)
            let next = try #require(cookie("cairn_refresh", in: rotated))
            #expect(next.value != refresh.value)
            #expect(try await client.call(.get, "/api/auth/me", token: access).status == .ok)

            // Presenting the spent cookie is reuse: 401, the session ends and both cookies are removed.
            let reused = try await client.call(.post, "/api/auth/refresh", json: [:],
                                               extraHeaders: Self.cookieMode.merging(["Cookie": "cairn_refresh=\(refresh.value)"]) { $1 })
            #expect(reused.status == .unauthorized)
            #expect(cookie("cairn_refresh", in: reused)?.attributes.contains("Max-Age=0") == true)
            #expect(cookie("cairn_signed_in", in: reused)?.value == "")
            #expect(try await client.call(.get, "/api/auth/me", token: access).status == .unauthorized)

            // No cookie at all: 401, not a validation error.
            let none = try await client.call(.post, "/api/auth/refresh", json: [:], extraHeaders: Self.cookieMode)
            #expect(none.status == .unauthorized)
        }
    }

    @Test func logoutRemovesTheCookiesAndEndsTheSession() async throws {
        try await TestServer().run { client, _ in
            let register = try await client.call(.post, "/api/auth/register", json: ["email": "leave@example.com", "password": "correct horse battery"],
                                                 extraHeaders: Self.cookieMode)
            #expect(register.status == .created)
            #expect(try register.json()["refresh_token"] == nil)
            let refresh = try #require(cookie("cairn_refresh", in: register)).value
            let access = try #require(try register.json()["access_token"] as? String)

            let logout = try await client.call(.post, "/api/auth/logout", token: access, extraHeaders: Self.cookieMode)
            #expect(logout.status == .noContent)
            #expect(cookie("cairn_refresh", in: logout)?.value == "")
            #expect(cookie("cairn_refresh", in: logout)?.attributes.contains("Max-Age=0") == true)
            #expect(cookie("cairn_signed_in", in: logout)?.attributes.contains("Max-Age=0") == true)
            let after = try await client.call(.post, "/api/auth/refresh", json: [:],
                                              extraHeaders: Self.cookieMode.merging(["Cookie": "cairn_refresh=\(refresh)"]) { $1 })
            #expect(after.status == .unauthorized, "the cookie died with the session")
        }
    }

    @Test func theCookieIsSecureBehindHTTPS() async throws {
        try await TestServer().run { client, _ in
            let register = try await client.call(.post, "/api/auth/register", json: ["email": "tls@example.com", "password": "correct horse battery"],
                                                 extraHeaders: Self.cookieMode.merging(["X-Forwarded-Proto": "https"]) { $1 })
            #expect(cookie("cairn_refresh", in: register)?.attributes.contains("Secure") == true)
            #expect(cookie("cairn_signed_in", in: register)?.attributes.contains("Secure") == true)
        }
    }
}
