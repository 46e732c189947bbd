import Engine
import Foundation
import Stages
import Testing
import TestSupport

@Suite struct DownloaderTests {
    @Test func httpDownloadHasTheFilesBytesAndChecksum() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let dir = try TemporaryDirectory("dl")
        let target = dir.file("out.mp4").path
        let result = try await Downloader().download(server.url("/files/video-h264-aac.mp4"), to: target)
        let expected = try FileChecksummer().sha256(path: Fixtures.media("video-h264-aac.mp4"))
        #expect(result.sha256 == expected.digest)
        #expect(result.bytes == expected.bytes)
        #expect(try FileChecksummer().sha256(path: target).digest == expected.digest)
    }

    /// An HTTP download's file is opened on the transfer loop's thread: a file that cannot be
    /// made there is an error naming it, and the loop goes on with the next transfer.
    @Test func aFileTheTransferLoopCannotOpenIsAnErrorAndTheLoopGoesOn() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let dir = try TemporaryDirectory("dl")
        let missing = dir.file("missing/out.mp4").path
        await #expect {
            try await withDeadline("the failed open ends the download") {
                try await Downloader().download(server.url("/files/audio-id3.mp3"), to: missing)
            }
        } throws: { error in
            "\(error)".hasPrefix(dir.file("missing").path + ": ")
        }
        let result = try await Downloader().download(server.url("/files/audio-id3.mp3"), to: dir.file("out.mp3").path)
        #expect(result.bytes == (try FileChecksummer().sha256(path: Fixtures.media("audio-id3.mp3")).bytes))
    }

    @Test func missingLocalFileNamesThePathAndTheCause() async throws {
        let dir = try TemporaryDirectory("dl")
        let url = "file:///nonexistent/song.mp3"
        await #expect {
            try await Downloader().download(url, to: dir.file("x.part").path)
        } throws: { error in
            // curl's cause, after the URL: not the path again, which the URL already has.
            "\(error)".hasPrefix("\(url): ") && "\(error)".dropFirst(url.count + 2).hasPrefix("Couldn't open file")
        }
    }

    @Test func refusedWhenTheFreeSpaceReserveWouldBeUsed() async throws {
        let dir = try TemporaryDirectory("dl")
        let downloader = Downloader(options: DownloadOptions(freeSpaceReserve: Int64.max / 2))
        await #expect {
            try await downloader.download("file://\(Fixtures.media("audio-pcm.wav"))", to: dir.file("x.part").path)
        } throws: { error in
            "\(error)".hasPrefix("not enough free space in \(dir.path)")
        }
    }

    @Test func tooManyRedirectsIsAnError() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let dir = try TemporaryDirectory("dl")
        let downloader = Downloader(options: DownloadOptions(maxRedirects: 2))
        _ = try await downloader.download(server.url("/redirect/2/audio-pcm.wav"), to: dir.file("ok").path)
        await #expect {
            try await downloader.download(server.url("/redirect/3/audio-pcm.wav"), to: dir.file("x").path)
        } throws: { error in
            "\(error)" == "\(server.url("/redirect/3/audio-pcm.wav")): Maximum (2) redirects followed"
        }
    }

    /// The free space runs out while the file arrives (its length was not announced, so the
    /// check before the start cannot refuse it): the item fails saying so, and no partial file
    /// stays in the temp folder.
    @Test func runningOutOfSpaceMidDownloadIsAClearErrorAndLeavesNoPartialFile() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory)
        let temp = try TemporaryDirectory("tmp")
        var info = statvfs()
        #expect(statvfs(temp.path, &info) == 0)
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        // 8 MiB of room above the reserve; the server streams 1 GiB. (Tests beside this one free
        // files on the same disk before the download measures its room: a stream much larger
        // than anything they free keeps the budget below it.)
        let downloader = Downloader(options: DownloadOptions(freeSpaceReserve: free - (8 << 20)))
        let item = MediaItem(source: "test", remoteID: "big", title: "big", url: server.url("/stream/\(1 << 30)/big.mp3"))
        let observer = CountingObserver()
        try await withDeadline("the download fails", timeout: .seconds(120)) {
            try await Graph(source: ListSource(items: [item]), stages: [ResolveStage(), DownloadStage(downloader: downloader, concurrency: 1)])
                .run(lanes: Lanes(), temporaryDirectory: temp.url, observer: observer)
        }
        let failures = observer.failures.withLock { $0 }
        #expect(failures.count == 1)
        #expect(failures.first?.hasPrefix("not enough free space in \(temp.path): ") == true, "\(failures)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == [])
    }

    /// Cancelling a graph while a download is stalled stops it and leaves no partial file behind.
    @Test func cancelDuringADownloadLeavesNoTempFile() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory, slowSeconds: 60)
        let temp = try TemporaryDirectory("tmp")
        let items = (0..<3).map { n in
            MediaItem(source: "test", remoteID: "\(n)", title: "\(n)", url: server.url("/slow/audio-pcm.wav?\(n)"))
        }
        let graph = Graph(
            source: ListSource(items: items),
            stages: [ResolveStage(), DownloadStage(downloader: Downloader(), concurrency: 2)])
        let observer = CountingObserver()
        let run = Task { try await graph.run(lanes: Lanes(), temporaryDirectory: temp.url, observer: observer) }
        // A long wait: in the whole suite's first minutes, synchronous tests waiting for engine
        // processes hold the 2 cooperative threads the graph needs (one CI run gave up at 120 s).
        try await waitUntil("two downloads have started", timeout: .seconds(300)) {
            try FileManager.default.contentsOfDirectory(atPath: temp.path).count >= 2
        }
        run.cancel()
        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == [])
        #expect(observer.canceled.withLock { $0 } == 3)
    }
}

struct ListSource: ItemSource {
    let items: [MediaItem]
    var name: String { "list" }

    func produce(into emit: (MediaItem) async throws -> Void, context: SourceContext) async throws {
        for item in items { try await emit(item) }
    }
}

import Synchronization

final class CountingObserver: GraphObserver {
    let canceled = Mutex(0)
    let failures = Mutex<[String]>([])
    let succeeded = Mutex(0)

    func graph(_ event: GraphEvent<MediaItem>) async {
        switch event {
        case .canceled: canceled.withLock { $0 += 1 }
        case .completed: succeeded.withLock { $0 += 1 }
        case .failed(_, _, let error): failures.withLock { $0.append("\(error)") }
        default: break
        }
    }
}
