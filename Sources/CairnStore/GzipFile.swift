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
        let reader = try ChunkReader(path: source, gzip: true)
        guard let output = FileHandle(forWritingAtPath: destination) else { throw CocoaError(.fileWriteNoPermission) }
        defer { try? output.close() }
        while let pieces = try reader.next() {
            for piece in pieces { try output.write(contentsOf: Data(piece.readableBytesView)) }
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

    /// A file read a chunk at a time, as it is or gzip-compressed on the way: `next()` gives what
    /// one chunk produced (possibly nothing) and nil at the end. One reader serves a file copy
    /// and a streamed download alike.
    ///
    /// ```swift
    /// let reader = try GzipFile.ChunkReader(path: "cairn.db", gzip: true)
    /// while let pieces = try reader.next() { for piece in pieces { try await writer.write(piece) } }
    /// ```
    public final class ChunkReader {
        private let file: FileHandle
        private let compressor: ZlibCompressor?
        private var window = ByteBufferAllocator().buffer(capacity: GzipFile.chunk)
        private var done = false

        public init(path: String, gzip: Bool) throws {
            guard let file = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
            self.file = file
            compressor = gzip ? try ZlibCompressor(algorithm: .gzip) : nil
        }

        deinit { try? file.close() }

        public func next() throws -> [ByteBuffer]? {
            guard !done else { return nil }
            let data = try file.read(upToCount: GzipFile.chunk) ?? Data()
            done = data.count < GzipFile.chunk
            var buffer = ByteBuffer(bytes: data)
            guard let compressor else { return buffer.readableBytes > 0 ? [buffer] : [] }
            var pieces: [ByteBuffer] = []
            // The window keeps what the compressor leaves in it for the next chunk.
            try buffer.compressStream(with: compressor, window: &window, flush: done ? .finish : .no) { pieces.append($0) }
            return pieces
        }
    }

    /// Reads `source` in chunks, hands each to `step` with an output window (which keeps what
    /// `step` leaves in it for the next chunk), and appends what `step` writes to `destination`
    /// (which must exist).
    static func pump(
        _ source: String, to destination: String,
        step: (inout ByteBuffer, inout ByteBuffer, Bool, (ByteBuffer) throws -> Void) throws -> Void
    ) throws {
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
