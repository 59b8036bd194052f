import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The data directory holds password hashes, signing keys and provider keys: it is created
/// 0700 and the database files (and anything else Cairn creates there) 0600.
///
/// ```swift
/// try PrivateFiles.prepareDirectory("/var/lib/cairn")    // mkdir -p, mode 0700, umask 077
/// PrivateFiles.tighten(databasePath: "/var/lib/cairn/cairn.db")
/// ```
public enum PrivateFiles {
    /// Creates `path` (0700) when absent, tightens it when it is open to others, and sets the
    /// process umask to 077 so every later file (WAL, shared memory, backups) is private.
    public static func prepareDirectory(_ path: String) throws {
        umask(0o077)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        tighten(path, to: 0o700)
    }

    /// Makes the database and its `-wal` / `-shm` files 0600 if they are open to others.
    public static func tighten(databasePath path: String) {
        for suffix in ["", "-wal", "-shm"] { tighten(path + suffix, to: 0o600) }
    }

    static func tighten(_ path: String, to mode: mode_t) {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return }
        chmod(path, mode)
    }
}
