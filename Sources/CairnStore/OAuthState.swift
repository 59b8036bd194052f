import CairnCore
import Foundation
import GRDB

/// What an authorization request left behind: checked once at the callback.
public struct OAuthState: Sendable, Equatable, DecodedRecord {
    public let provider: String
    public let codeVerifier: String
    public let nonce: String
    public let redirect: String
    public let browserHash: String

    public init(provider: String, codeVerifier: String, nonce: String, redirect: String, browserHash: String) {
        self.provider = provider
        self.codeVerifier = codeVerifier
        self.nonce = nonce
        self.redirect = redirect
        self.browserHash = browserHash
    }

    enum CodingKeys: String, CodingKey {
        case provider, nonce, redirect
        case codeVerifier = "code_verifier"
        case browserHash = "browser_hash"
    }
}
