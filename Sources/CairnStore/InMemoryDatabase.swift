import GRDB

/// A database in memory with Cairn's schema: for tests of repositories, which take any
/// `DatabaseWriter` and so run the same SQL here as on the database file.
///
/// ```swift
/// let users = UserRepository(try InMemoryDatabase.make())
/// try await users.create(user, emailNormalized: "ada@example.com")
/// ```
public enum InMemoryDatabase {
    /// A new, empty, migrated database (foreign keys on, as on the file).
    public static func make() throws -> any DatabaseWriter {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(configuration: configuration)
        try Migrations.migrator.migrate(queue)
        return queue
    }
}
