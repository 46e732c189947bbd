import Engine
import Foundation
import Stages
import Testing
import TestSupport

/// Downloads that continue where an earlier attempt stopped, streams that never end, a shared
/// bandwidth cap, and inputs that are not files — against the loopback fault server, whose
/// request log says what was really asked for and sent.
@Suite struct ResumableDownloadTests {
    /// `size` bytes of a pattern no two offsets share (a resume from the wrong offset shows).
    func servedFile(_ size: Int) throws -> (TemporaryDirectory, Data) {
        let root = try TemporaryDirectory("served")
        var data = Data(capacity: size)
        var state: UInt32 = 2_463_534_242
        for _ in 0..<size {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            data.append(UInt8(truncatingIfNeeded: state))
        }
        try data.write(to: root.file("big.bin"))
        return (root, data)
    }

    func requests(_ log: URL) throws -> [[String: Any]] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func sha256(_ data: Data) throws -> SHA256Digest {
        let hasher = try SHA256Hasher()
        try hasher.update(data)
        return try hasher.finalize()
    }

    /// The connection drops after each MiB: every next attempt asks only for the bytes after
    /// the ones kept, the server sends each byte once, and the digest covers the whole file.
    @Test func aResumedDownloadAsksOnlyForTheMissingRange() async throws {
        let (root, data) = try servedFile(3 << 20 + 12_345)
        let log = root.file("requests.log")
        let server = try FaultServer(root: root.url, log: log, dropAfter: 1 << 20)
        let dir = try TemporaryDirectory("dl")
        let part = dir.file("item-1.part").path
        let downloader = Downloader()
        var result: Downloader.Result?
        for _ in 0..<10 where result == nil {
            do {
                result = try await downloader.download(server.url("/ranged-drop/big.bin"), to: part, resumable: true)
            } catch let error as DownloadError {
                #expect(error.isTransient, "\(error)")
            }
        }
        let done = try #require(result)
        #expect(done.sha256 == (try sha256(data)))
        #expect(done.bytes == UInt64(data.count))
        #expect(try Data(contentsOf: URL(fileURLWithPath: part)) == data)
        let asked = try requests(log)
        #expect(asked.count == 4)
        var offset = 0
        for (index, request) in asked.enumerated() {
            #expect(request["range"] as? String == (index == 0 ? nil : "bytes=\(offset)-"))
            #expect(request["status"] as? Int == (index == 0 ? 200 : 206))
            offset += request["body_bytes"] as? Int ?? 0
        }
        #expect(offset == data.count, "each byte sent once")
        #expect(done.resumedFrom == UInt64(3 << 20))
    }

    /// The file changed on the server between attempts (a new ETag): If-Range makes the server
    /// send it whole, and the download starts over from zero with the new bytes.
    @Test func aChangedETagRestartsTheDownloadFromZero() async throws {
        let (root, _) = try servedFile(2 << 20)
        let log = root.file("requests.log")
        let server = try FaultServer(root: root.url, log: log, dropAfter: 1 << 20)
        let dir = try TemporaryDirectory("dl")
        let part = dir.file("item-1.part").path
        let url = server.url("/ranged-drop/big.bin")
        await #expect(throws: DownloadError.self) { try await Downloader().download(url, to: part, resumable: true) }
        #expect(try FileManager.default.attributesOfItem(atPath: part)[.size] as? Int == 1 << 20)

        let (_, changed) = try servedFile(1 << 19)  // smaller than the drop: served whole at once
        try changed.write(to: root.file("big.bin"))
        try root.write("big.bin.etag", "changed-version")
        let result = try await Downloader().download(url, to: part, resumable: true)
        #expect(result.sha256 == (try sha256(changed)))
        #expect(result.resumedFrom == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: part)) == changed)
        let second = try #require(try requests(log).last)
        #expect(second["range"] as? String == "bytes=\(1 << 20)-", "it asked to resume")
        #expect(second["status"] as? Int == 200, "the validator no longer matched")
    }

    /// A server that answers a Range without honouring If-Range sends a piece of the changed
    /// file: it is not appended to the old head; the try fails (transient) and the next one
    /// starts from zero with the new file.
    @Test func aPieceOfAnotherVersionIsNeverAppended() async throws {
        let (root, _) = try servedFile(2 << 20)
        let server = try FaultServer(root: root.url, dropAfter: 1 << 20)
        let dir = try TemporaryDirectory("dl")
        let part = dir.file("item-1.part").path
        let url = server.url("/ranged-drop/big.bin?ignore_if_range=1")
        await #expect(throws: DownloadError.self) { try await Downloader().download(url, to: part, resumable: true) }
        var (_, changed) = try servedFile(2 << 20)  // the same size: only the validator tells
        changed[0] ^= 0xFF  // differs from the old head too
        try changed.write(to: root.file("big.bin"))
        try root.write("big.bin.etag", "changed-version")
        await #expect {
            try await Downloader().download(url, to: part, resumable: true)
        } throws: { error in
            (error as? DownloadError)?.isTransient == true && "\(error)".contains("did not continue the kept bytes")
        }
        var result: Downloader.Result?
        for _ in 0..<5 where result == nil {  // from zero, cut after a MiB, then resumed
            result = try? await Downloader().download(url, to: part, resumable: true)
        }
        #expect(try #require(result).sha256 == (try sha256(changed)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: part)) == changed)
    }

    /// A server without ranges (no Accept-Ranges, no validator): nothing is kept for a resume.
    @Test func withoutValidatorsTheNextAttemptStartsOver() async throws {
        let (root, data) = try servedFile(1 << 20)
        let log = root.file("requests.log")
        let server = try FaultServer(root: root.url, log: log)
        let dir = try TemporaryDirectory("dl")
        let part = dir.file("item-1.part").path
        try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: part))
        let result = try await Downloader().download(server.url("/files/big.bin"), to: part, resumable: true)
        #expect(result.sha256 == (try sha256(data)))
        #expect(try requests(log).first?["range"] is NSNull)
        #expect(!FileManager.default.fileExists(atPath: Downloader.metaPath(part)))
    }

    /// Every byte of every transfer is charged to the shared cap (its pacing is
    /// `BandwidthLimitTests`' subject; its speed against curl's `--limit-rate` is in
    /// `Benchmarks/limit-rate-vs-curl.sh`).
    @Test func everyTransferChargesTheSharedCap() async throws {
        let (root, _) = try servedFile(1_000_000)
        let server = try FaultServer(root: root.url)
        let dir = try TemporaryDirectory("dl")
        let shared = BandwidthLimit(bytesPerSecond: 1 << 30)
        let first = Downloader(bandwidth: shared), second = Downloader(bandwidth: shared)
        _ = try await first.download(server.url("/files/big.bin"), to: dir.file("a").path)
        _ = try await second.download(server.url("/ranged/big.bin"), to: dir.file("b").path)
        #expect(shared.charged == 2_000_000)
    }

    /// The disk lane's reserve is one account: two downloads that each fit the free space but
    /// not together are not both let in — the second to announce its size is refused at its
    /// headers while the first (its body held by the server) still runs, and the first's share
    /// is given back when it ends.
    @Test func concurrentDownloadsShareTheFreeSpaceAboveTheReserve() async throws {
        let (root, _) = try servedFile(256 << 10)
        try root.write("hold", "")
        let server = try FaultServer(root: root.url)
        let dir = try TemporaryDirectory("dl")
        let reserve: Int64 = 1 << 30
        var options = DownloadOptions(freeSpaceReserve: reserve)
        options.freeSpace = { _ in reserve + 384 << 10 }  // a volume with 384 KiB above the reserve
        options.stallTimeout = .seconds(600)  // the held body is no stall, however long a busy machine takes
        let downloader = Downloader(options: options)
        let progress = TransferProgress(title: "first", lease: nil)
        let first = Task { try await downloader.download(server.url("/hold-body/big.bin"), to: dir.file("1").path, progress: progress) }
        try await waitUntil("the first download has its headers", timeout: .seconds(120)) { progress.current.expected != nil }
        await #expect {
            try await downloader.download(server.url("/files/big.bin?n=2"), to: dir.file("2").path)
        } throws: { error in
            "\(error)".hasPrefix("not enough free space in \(dir.path): 262144 bytes needed")
        }
        try FileManager.default.removeItem(at: root.file("hold"))
        _ = try await first.value
        // The first one's share came back: another download of the same size fits.
        _ = try await downloader.download(server.url("/files/big.bin?n=3"), to: dir.file("3").path)
    }

    @Test func aStreamWithoutEndStopsAtTheMaximumSize() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let dir = try TemporaryDirectory("dl")
        let downloader = Downloader(options: DownloadOptions(maxSize: 2 << 20))
        await #expect {
            try await downloader.download(server.url("/endless/audio-id3.mp3"), to: dir.file("x").path)
        } throws: { error in
            "\(error)" == "\(server.url("/endless/audio-id3.mp3")): no end after download.max_size (2097152 bytes)"
        }
        await #expect {
            try await Downloader().download(server.url("/icy/audio-id3.mp3"), to: dir.file("y").path)
        } throws: { error in
            "\(error)" == "\(server.url("/icy/audio-id3.mp3")): a live stream (ICY headers): it never ends"
        }
    }

    /// Paced by the bandwidth cap (paused and resumed on the transfer loop), an endless
    /// response still stops at the maximum size with that error: a write that fails when a
    /// pause ends is the transfer's end, never a success.
    @Test func aPacedStreamWithoutEndStopsAtTheMaximumSize() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let dir = try TemporaryDirectory("dl")
        let downloader = Downloader(options: DownloadOptions(maxSize: 256 << 10, limitRate: 1 << 20))
        await #expect {
            try await downloader.download(server.url("/endless/audio-id3.mp3"), to: dir.file("x").path)
        } throws: { error in
            "\(error)" == "\(server.url("/endless/audio-id3.mp3")): no end after download.max_size (262144 bytes)"
        }
    }

    @Test func devicesAndFIFOsAreRefusedWithoutBeingRead() async throws {
        let dir = try TemporaryDirectory("dl")
        let fifo = dir.file("pipe.mp3").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for (path, kind) in [("/dev/zero", "character device"), (fifo, "FIFO")] {
            await #expect {
                try await withDeadline("refusing \(path)", timeout: .seconds(10)) {
                    try await Downloader().download("file://\(path)", to: dir.file("x").path)
                }
            } throws: { error in
                "\(error)" == "\(path): is a \(kind), not a media file"
            }
        }
    }
}
