import GRDB

/// Versioned schema. Migrations are append-only: never edit one that has shipped.
enum Migrations {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(
                sql: """
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
            try db.execute(
                sql: """
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
        migrator.registerMigration("v3-engine") { db in
            try db.execute(
                sql: """
                    CREATE TABLE threads (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        title TEXT NOT NULL DEFAULT '',
                        agent TEXT NOT NULL,
                        archived INTEGER NOT NULL DEFAULT 0,
                        message_count INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX threads_user ON threads(user_id, archived, updated_at);
                    CREATE TABLE messages (
                        id TEXT NOT NULL UNIQUE,
                        thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
                        content TEXT NOT NULL,
                        run_id TEXT,
                        created_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX messages_thread ON messages(thread_id, id);
                    CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='rowid', tokenize='unicode61');
                    CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
                        INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
                    END;
                    CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
                        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
                    END;
                    CREATE TABLE runs (
                        id TEXT PRIMARY KEY,
                        thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL,
                        agent TEXT NOT NULL,
                        agent_version INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        input TEXT NOT NULL,
                        error_code TEXT,
                        error_message TEXT,
                        input_tokens INTEGER NOT NULL DEFAULT 0,
                        output_tokens INTEGER NOT NULL DEFAULT 0,
                        resumed_from TEXT,
                        created_at INTEGER NOT NULL,
                        started_at INTEGER,
                        finished_at INTEGER
                    ) STRICT;
                    CREATE INDEX runs_user ON runs(user_id, id);
                    CREATE INDEX runs_status ON runs(status);
                    CREATE TABLE run_events (
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        agent TEXT,
                        payload TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        PRIMARY KEY (run_id, seq)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE run_steps (
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        step INTEGER NOT NULL,
                        agent TEXT NOT NULL,
                        status TEXT NOT NULL,
                        output TEXT,
                        PRIMARY KEY (run_id, step)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE agents (
                        name TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        definition TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        created_by TEXT,
                        PRIMARY KEY (name, version)
                    ) STRICT;
                    CREATE TABLE notes (
                        id INTEGER PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        content TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX notes_user ON notes(user_id, id);
                    """)
        }
        migrator.registerMigration("v4-realtime") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ws_tickets (
                        ticket_hash TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        session_id TEXT,
                        expires_at INTEGER NOT NULL,
                        used_at INTEGER
                    ) STRICT;
                    """)
        }
        migrator.registerMigration("v5-providers") { db in
            try db.execute(
                sql: """
                    CREATE TABLE providers (
                        name TEXT PRIMARY KEY,
                        type TEXT NOT NULL,
                        base_url TEXT,
                        api_key TEXT,
                        model TEXT,
                        timeout_ms INTEGER NOT NULL,
                        max_retries INTEGER NOT NULL,
                        options TEXT NOT NULL DEFAULT '{}',
                        updated_at INTEGER NOT NULL,
                        updated_by TEXT
                    ) STRICT;
                    CREATE TABLE model_usage (
                        id INTEGER PRIMARY KEY,
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        provider TEXT NOT NULL,
                        model TEXT NOT NULL,
                        input_tokens INTEGER NOT NULL,
                        output_tokens INTEGER NOT NULL,
                        at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX model_usage_run ON model_usage(run_id);
                    CREATE INDEX model_usage_at ON model_usage(at);
                    """)
        }
        migrator.registerMigration("v6-backups") { db in
            try db.execute(
                sql: """
                    CREATE TABLE backups (
                        id TEXT PRIMARY KEY,
                        created_at INTEGER NOT NULL,
                        path TEXT NOT NULL,
                        size_bytes INTEGER NOT NULL,
                        duration_ms INTEGER NOT NULL,
                        gzip INTEGER NOT NULL,
                        verified INTEGER NOT NULL,
                        trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'cli')),
                        created_by TEXT,
                        error TEXT
                    ) STRICT;
                    CREATE INDEX backups_created ON backups(created_at);
                    """)
        }
        migrator.registerMigration("v7-console") { db in
            try db.execute(
                sql: """
                    CREATE TABLE settings_history (
                        id TEXT PRIMARY KEY,
                        at INTEGER NOT NULL,
                        actor TEXT,
                        key TEXT NOT NULL,
                        before TEXT,
                        after TEXT,
                        effective_before TEXT NOT NULL,
                        effective_after TEXT NOT NULL,
                        reverted_from TEXT
                    ) STRICT;
                    CREATE INDEX settings_history_key ON settings_history(key, id);
                    CREATE TABLE user_quotas (
                        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                        runs_per_day INTEGER,
                        tokens_per_day INTEGER,
                        tokens_per_month INTEGER
                    ) STRICT;
                    CREATE TABLE password_resets (
                        token_hash TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        created_by TEXT,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        used_at INTEGER
                    ) STRICT;
                    CREATE INDEX runs_user_created ON runs(user_id, created_at);
                    CREATE INDEX runs_created ON runs(created_at);
                    CREATE INDEX model_usage_user_at ON model_usage(user_id, at);
                    """)
        }
        migrator.registerMigration("v8-api-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        prefix TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER,
                        last_used_at INTEGER,
                        revoked_at INTEGER
                    ) STRICT;
                    CREATE INDEX api_keys_user ON api_keys(user_id, id);
                    """)
        }
        migrator.registerMigration("v9-sign-in-providers") { db in
            try db.execute(
                sql: """
                    CREATE TABLE auth_providers (
                        id TEXT PRIMARY KEY,
                        type TEXT NOT NULL CHECK (type IN ('oidc', 'google', 'github')),
                        name TEXT NOT NULL,
                        issuer TEXT,
                        client_id TEXT NOT NULL,
                        client_secret TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        updated_at INTEGER NOT NULL,
                        updated_by TEXT
                    ) STRICT;
                    CREATE TABLE oauth_states (
                        state_hash TEXT PRIMARY KEY,
                        provider TEXT NOT NULL,
                        code_verifier TEXT NOT NULL,
                        nonce TEXT NOT NULL,
                        redirect TEXT NOT NULL,
                        browser_hash TEXT NOT NULL,
                        expires_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE login_codes (
                        code_hash TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        provider TEXT NOT NULL,
                        expires_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE user_identities (
                        provider TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        email TEXT,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (provider, subject)
                    ) STRICT;
                    """)
        }
        return migrator
    }()
}
