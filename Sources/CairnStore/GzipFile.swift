import CompressNIO
import Foundation
import NIOCore

/// Streams a file through gzip (compress-nio's zlib), a megabyte at a time, so backups of any
/// size compress and verify in constant memory.
///
/// ```swift
/// try GzipFile.compress("cairn.db", to: "cairn.db.gz")
/// GzipFile.isGzip("cairn.db.gz")   // true
/// ```
public enum GzipFile {
    /// Bytes read and written per step.
    public static let chunk = 1 << 20

    /// True when the file starts with gzip's magic bytes.
    public static func isGzip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 2)) == Data([0x1F, 0x8B])
    }

    public static func compress(_ source: String, to destination: String) throws {
        let compressor = try ZlibCompressor(algorithm: .gzip)
        try pump(source, to: destination) { input, window, last, write in
            try input.compressStream(with: compressor, window: &window, flush: last ? .finish : .no, process: write)
        }
    }

    public static func decompress(_ source: String, to destination: String) throws {
        let decompressor = try ZlibDecompressor(algorithm: .gzip)
        try pump(source, to: destination) { input, window, _, write in
            try input.decompressStream(with: decompressor, window: &window, process: write)
            // The stream hands over what is left in the window but leaves it there.
            window.clear()
        }
    }

    /// Reads `source` in chunks, hands each to `step` with an output window (which keeps what
    /// `step` leaves in it for the next chunk), and appends what `step` writes to `destination`
    /// (which must exist).
    static func pump(_ source: String, to destination: String,
                     step: (inout ByteBuffer, inout ByteBuffer, Bool, (ByteBuffer) throws -> Void) throws -> Void) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw CocoaError(.fileReadNoSuchFile) }
        defer { try? input.close() }
        guard let output = FileHandle(forWritingAtPath: destination) else { throw CocoaError(.fileWriteNoPermission) }
        defer { try? output.close() }
        var window = ByteBufferAllocator().buffer(capacity: chunk)
        let write: (ByteBuffer) throws -> Void = { buffer in try output.write(contentsOf: Data(buffer.readableBytesView)) }
        while true {
            let data = try input.read(upToCount: chunk) ?? Data()
            let last = data.count < chunk
            var buffer = ByteBuffer(bytes: data)
            try step(&buffer, &window, last, write)
            if last { break }
        }
    }
}
