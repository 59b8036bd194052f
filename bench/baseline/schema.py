"""The baseline's SQLite schema (the tables Cairn keeps for the same work) and connection setup."""
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL, email_normalized TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '', password_hash TEXT, role TEXT NOT NULL, status TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, last_login_at INTEGER) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    refresh_jti TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, revoked_at INTEGER, ip TEXT, user_agent TEXT) STRICT;
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS audit_log (
    id TEXT PRIMARY KEY, at INTEGER NOT NULL, actor TEXT, action TEXT NOT NULL, target TEXT,
    ip TEXT, user_agent TEXT, details TEXT) STRICT;
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL, archived INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS threads_user ON threads(user_id, archived, updated_at);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT NOT NULL UNIQUE, thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, run_id TEXT,
    created_at INTEGER NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS messages_thread ON messages(thread_id, id);
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
    content, content='messages', content_rowid='rowid', tokenize='unicode61');
CREATE TRIGGER IF NOT EXISTS messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL, agent TEXT NOT NULL, agent_version INTEGER NOT NULL,
    status TEXT NOT NULL, input TEXT NOT NULL, error_code TEXT, error_message TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER) STRICT;
CREATE INDEX IF NOT EXISTS runs_user ON runs(user_id, id);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
CREATE TABLE IF NOT EXISTS run_events (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    type TEXT NOT NULL, agent TEXT, envelope TEXT NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq)) STRICT, WITHOUT ROWID;
"""


def open_database(path):
    """One connection per process, used only from its event loop (statements take microseconds)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")  # the other worker may hold the write lock briefly
    db.execute("PRAGMA foreign_keys=ON")
    return db
