import CairnCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a data directory (`cairn.lock` beside the database), held by a running
/// server for its whole life and taken by `cairn restore`, so a restore never swaps the database
/// under a live server and two servers never share one directory. The kernel drops the lock when
/// the process ends, however it ends.
///
/// ```swift
/// let lock = try DataDirectoryLock(directory: "/var/lib/cairn")   // throws when a server holds it
/// ```
public final class DataDirectoryLock: Sendable {
    public let path: String
    private let descriptor: Int32

    public init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent("cairn.lock")
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CairnError(.unavailable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw CairnError(.conflict, "a Cairn server is using \(directory) (\(path) is locked); stop it first")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
