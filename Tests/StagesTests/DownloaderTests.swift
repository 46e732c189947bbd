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

    @Test func missingLocalFileNamesThePath() async throws {
        let dir = try TemporaryDirectory("dl")
        await #expect {
            try await Downloader().download("file:///nonexistent/song.mp3", to: dir.file("x.part").path)
        } throws: { error in
            "\(error)".contains("/nonexistent/song.mp3")
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
            "\(error)".contains("redirect")
        }
    }

    /// Cancelling a graph while a download is stalled stops it and leaves no `.part` behind.
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
        while (try FileManager.default.contentsOfDirectory(atPath: temp.path)).count < 2 {
            try await Task.sleep(for: .milliseconds(10))
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

    func graph(_ event: GraphEvent<MediaItem>) async {
        if case .canceled = event { canceled.withLock { $0 += 1 } }
    }
}
