import CairnStore

/// Where `TokenService` keeps signing keys; the database in production, memory in unit tests.
///
/// ```swift
/// let tokens = TokenService(
///     repository: SigningKeyRepository(store.pool), clock: SystemClock(),
///     options: .init(issuer: "cairn", audience: "cairn", leeway: 30, maximumLifetime: 1_209_600))
/// try await tokens.prepare()      // creates the first key when the store has none
/// ```
public protocol SigningKeyStore: Sendable {
    func all() async throws -> [SigningKeyRecord]
    func rotate(to key: SigningKeyRecord) async throws
    func insertIfNoneActive(_ key: SigningKeyRecord) async throws
}

extension SigningKeyRepository: SigningKeyStore {}
