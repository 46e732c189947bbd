import Engine
import Foundation
import Stages
import Testing
import TestSupport

/// The streamed ZIP: written front to back, read back by Python's `zipfile` (the reference),
/// with ZIP64 records once an entry or an offset passes 4 GiB.
@Suite struct ZipArchiveStreamTests {
    static let check = """
        import sys, zipfile, zlib
        archive = zipfile.ZipFile(sys.argv[1])
        for info in archive.infolist():
            crc, size = 0, 0
            with archive.open(info) as entry:
                while True:
                    chunk = entry.read(16 << 20)
                    if not chunk: break
                    crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            print(info.filename, info.file_size, size, crc == info.CRC, info.header_offset)
        """

    @Test func anEntryPast4GiBIsWrittenAsZIP64() async throws {
        let dir = try TemporaryDirectory("zip64")
        let big = dir.file("big.bin").path, small = dir.file("small.txt").path
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        #expect(truncate(big, 5 << 30) == 0, "a sparse 5 GiB file")
        try Data("after the big one\n".utf8).write(to: URL(fileURLWithPath: small))
        let output = dir.file("out.zip").path
        let archive = ZipArchiveStream(sink: try FileSink(path: output))
        try await archive.addFile(name: "media/big.bin", path: big)
        try await archive.addFile(name: "media/small.txt", path: small)
        try await archive.addBytes(name: "media/list.m3u8", Array("#EXTM3U\n".utf8))
        try await archive.finish()
        unlink(big)

        let read = try Command.run("python3", ["-c", Self.check, output])
        #expect(read.status == 0, "\(read.stderr)")
        let lines = read.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.count == 3, "\(read.stdout)")
        #expect(lines.first == ["media/big.bin", "\(5 << 30)", "\(5 << 30)", "True", "0"], "\(read.stdout)")
        #expect(lines.dropFirst().first?.prefix(4) == ["media/small.txt", "18", "18", "True"], "\(read.stdout)")
        #expect((lines.dropFirst().first?.last).flatMap { Int($0) }.map { $0 > 5 << 30 } == true, "its header lies past 4 GiB")
        #expect(lines.last?.prefix(4) == ["media/list.m3u8", "8", "8", "True"], "\(read.stdout)")
    }
}
