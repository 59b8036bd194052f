import CairnCore
import Foundation
import GRDB

/// What an authorization request left behind: checked once at the callback.
public struct OAuthState: Sendable, Equatable {
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
}
