import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// One sign-in through a scripted provider (`FakeVendor`): start, then a callback whose token
/// endpoint answers with the ID token `make` builds from the sign-in's nonce, followed by the
/// `extra` replies (a key set, say). Answers where the server sent the browser.
///
/// ```swift
/// let signIn = ScriptedIDTokenSignIn(client: client, idp: idp, provider: "idp")
/// let location = try await signIn.attempt { nonce in try await keys.sign(claims(nonce), kid: "k1") }
/// ```
struct ScriptedIDTokenSignIn {
    let client: any TestClientProtocol
    let idp: FakeVendor
    let provider: String

    func attempt(_ extra: [FakeVendor.Reply] = [], token make: (String) async throws -> String) async throws -> String {
        let start = try await client.call(.get, "/api/auth/oauth/\(provider)/start")
        let location = try #require(start.headers[.location])
        let items = URLComponents(string: location)?.queryItems ?? []
        let state = try #require(items.first { $0.name == "state" }?.value)
        let nonce = try #require(items.first { $0.name == "nonce" }?.value)
        let token = try await make(nonce)
        idp.enqueue(.status(200, body: #"{"access_token":"at","token_type":"Bearer","id_token":"\#(token)"}"#))
        for reply in extra { idp.enqueue(reply) }
        let cookie = String(try #require(start.headers[.setCookie]).split(separator: ";")[0])
        let done = try await client.call(.get, "/api/auth/oauth/\(provider)/callback?code=c&state=\(state)", extraHeaders: ["Cookie": cookie])
        return done.headers[.location] ?? "status \(done.status.code)"
    }
}
