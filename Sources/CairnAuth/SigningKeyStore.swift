import CairnStore

/// Where `TokenService` keeps signing keys; the database in production, memory in unit tests.
public protocol SigningKeyStore: Sendable {
    func all() async throws -> [SigningKeyRecord]
    func rotate(to key: SigningKeyRecord) async throws
    func insertIfNoneActive(_ key: SigningKeyRecord) async throws
}

extension SigningKeyRepository: SigningKeyStore {}
