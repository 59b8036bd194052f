import Foundation

/// One embedded file from Public/.
public struct Asset: Sendable {
    public let path: String
    public let bytes: [UInt8]
    public let contentType: String
    /// Strong validator derived from the content, stable across restarts of the same binary.
    public let etag: String
}

/// The files of Public/, compiled into the binary.
public enum Assets {
    /// Every embedded file keyed by its path under Public/ (for example `/admin/index.html`).
    public static let all: [String: Asset] = {
        var result: [String: Asset] = [:]
        for file in embeddedFiles {
            let bytes: [UInt8]
            if let text = file.text {
                bytes = text.withUTF8Buffer { Array($0) }
            } else if let b64 = file.base64, let data = Data(base64Encoded: b64.description) {
                bytes = Array(data)
            } else {
                continue
            }
            result[file.path] = Asset(
                path: file.path, bytes: bytes,
                contentType: contentType(for: file.path),
                etag: "\"" + fnv1a64Hex(bytes) + "\""
            )
        }
        return result
    }()

    /// Looks up the file for a request path; a directory path serves its `index.html`.
    public static func lookup(_ requestPath: String) -> Asset? {
        if requestPath.hasSuffix("/") { return all[requestPath + "index.html"] }
        return all[requestPath]
    }

    static func contentType(for path: String) -> String {
        let ext = path.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        switch ext {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt": return "text/plain; charset=utf-8"
        case "woff2": return "font/woff2"
        default: return "application/octet-stream"
        }
    }

    static func fnv1a64Hex(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}

/// Facts fixed at build time.
public enum BuildInfo {
    public static let version = "0.1.0"
    /// The git commit the binary was built from (12 hex digits), or `unknown`.
    public static let commit = embeddedBuildCommit
    public static var swiftVersion: String {
        #if compiler(>=6.3)
            return "6.3"
        #elseif compiler(>=6.2)
            return "6.2"
        #else
            return "6.x"
        #endif
    }
}
