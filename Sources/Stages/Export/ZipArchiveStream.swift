internal import CMediaKernels
package import Engine
package import Foundation

/// Writes a ZIP archive into a sink as it goes: each file is read a chunk at a time off the
/// cooperative pool, its CRC-32 taken on the way, and handed on; nothing of the archive is
/// kept but its central directory (about 100 bytes an entry).
package final class ZipArchiveStream<Sink: ByteSink> {
    private var writer = ZipStreamWriter()
    private let sink: Sink
    private let buffer = ChunkBuffer(size: 1 << 20)

    public init(sink: Sink) {
        self.sink = sink
    }

    /// Bytes written so far.
    public var offset: UInt64 { writer.offset }

    /// An entry with the bytes of the file at `path`.
    public func addFile(name: String, path: String) async throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ExportError.unreadable(path: path, reason: String(errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ExportError.unreadable(path: path, reason: String(errno: errno)) }
        let size = UInt64(info.st_size)
        try await put(writer.begin(name: name, size: size, modified: Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))))
        var crc: UInt32 = 0, total: UInt64 = 0
        while true {
            let (count, next) = try await BlockingIO.run { [buffer, crc] in
                let count = read(fd, buffer.pointer.baseAddress, buffer.pointer.count)
                guard count >= 0 else { throw ExportError.unreadable(path: path, reason: String(errno: errno)) }
                return (count, mk_crc32(crc, buffer.pointer.baseAddress, count))
            }
            if count == 0 { break }
            crc = next
            total += UInt64(count)
            guard total <= size else { break }
            try await sink.write(UnsafeRawBufferPointer(rebasing: buffer.pointer[..<count]))
        }
        guard total == size else { throw ExportError.changed(path: path) }
        try await put(writer.end(crc: crc, size: size))
    }

    /// An entry with `bytes` (a playlist, cover art).
    public func addBytes(name: String, _ bytes: [UInt8], modified: Date = Date()) async throws {
        try await put(writer.begin(name: name, size: UInt64(bytes.count), modified: modified))
        let crc = bytes.withUnsafeBytes { mk_crc32(0, $0.baseAddress, $0.count) }
        try await put(bytes)
        try await put(writer.end(crc: crc, size: UInt64(bytes.count)))
    }

    /// Writes the central directory: the archive is complete.
    public func finish() async throws {
        try await put(writer.finish())
    }

    private func put(_ bytes: [UInt8]) async throws {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { copy.deallocate() }
        copy.copyBytes(from: bytes)
        try await sink.write(UnsafeRawBufferPointer(copy))
    }
}

/// One reusable read buffer. @unchecked Sendable: one export uses it, one chunk at a time (a
/// read on a blocking thread, then the sink's write, in turn, never at once).
final class ChunkBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawBufferPointer

    init(size: Int) {
        pointer = .allocate(byteCount: size, alignment: 64)
    }

    deinit { pointer.deallocate() }
}

/// A file an export writes (a ZIP): its chunks written off the cooperative pool.
package final class FileSink: ByteSink {
    private let fd: Int32
    public let path: String

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExportError.unwritable(path: path, reason: String(errno: errno)) }
        self.path = path
    }

    deinit { close(fd) }

    public func write(_ chunk: UnsafeRawBufferPointer) async throws {
        let view = BorrowedChunk(chunk)
        try await BlockingIO.run { [fd, path] in
            var done = 0
            while done < view.chunk.count {
                let written = Foundation.write(fd, view.chunk.baseAddress! + done, view.chunk.count - done)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw ExportError.unwritable(path: path, reason: String(errno: errno)) }
                done += written
            }
        }
    }

    /// Flushes the file to disk.
    public func sync() throws {
        guard fsync(fd) == 0 else { throw ExportError.unwritable(path: path, reason: String(errno: errno)) }
    }
}

/// A chunk lent to a blocking thread for the length of one call. @unchecked Sendable: the
/// caller awaits the call, so the bytes stay valid and unchanged while the thread reads them.
struct BorrowedChunk: @unchecked Sendable {
    let chunk: UnsafeRawBufferPointer
    init(_ chunk: UnsafeRawBufferPointer) { self.chunk = chunk }
}
