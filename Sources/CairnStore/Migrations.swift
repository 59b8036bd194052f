import GRDB

/// Versioned schema. Migrations are append-only: never edit one that has shipped.
enum Migrations {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    updated_by TEXT
                ) STRICT;
                CREATE TABLE health_probe (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    at INTEGER NOT NULL
                ) STRICT;
                """)
        }
        migrator.registerMigration("v2-auth") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    email TEXT NOT NULL,
                    email_normalized TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL DEFAULT '',
                    password_hash TEXT,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
                    status TEXT NOT NULL CHECK (status IN ('active', 'pending', 'disabled')),
                    auth_provider TEXT NOT NULL DEFAULT 'password',
                    failed_logins INTEGER NOT NULL DEFAULT 0,
                    first_failed_at INTEGER,
                    locked_until INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    last_login_at INTEGER
                ) STRICT;
                CREATE INDEX users_role ON users(role);
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    refresh_jti TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    revoked_reason TEXT,
                    ip TEXT,
                    user_agent TEXT
                ) STRICT;
                CREATE INDEX sessions_user ON sessions(user_id);
                CREATE TABLE used_refresh_tokens (
                    jti TEXT PRIMARY KEY,
                    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                    used_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE revoked_tokens (
                    jti TEXT PRIMARY KEY,
                    expires_at INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE signing_keys (
                    kid TEXT PRIMARY KEY,
                    algorithm TEXT NOT NULL,
                    private_key BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    retired_at INTEGER
                ) STRICT;
                CREATE TABLE audit_log (
                    id TEXT PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT,
                    action TEXT NOT NULL,
                    target TEXT,
                    ip TEXT,
                    user_agent TEXT,
                    details TEXT
                ) STRICT;
                CREATE INDEX audit_at ON audit_log(at);
                CREATE INDEX audit_action ON audit_log(action, at);
                CREATE TABLE setup_tokens (
                    token_hash TEXT PRIMARY KEY,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER
                ) STRICT;
                """)
        }
        return migrator
    }()
}
