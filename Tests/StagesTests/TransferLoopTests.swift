import Engine
import Foundation
import Stages
import Synchronization
import Testing
import TestSupport

/// The curl multi loop: as many transfers in flight as the network lane allows, and a
/// cancelled one gone at once, its slot free and its partial file removed.
@Suite struct TransferLoopTests {
    /// The server holds every response until `lane` requests are open at once (and answers 503
    /// after its deadline otherwise): the graph only succeeds when the lane's size in transfers
    /// really runs concurrently. The deadline is long: amid the whole suite on two cores the
    /// 32 requests have taken most of a minute to open (the test, 130 s in a green run).
    @Test(arguments: [8, 32])
    func asManyTransfersAreInFlightAsTheNetworkLaneAllows(lane: Int) async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory, barrierSeconds: 150)
        let temp = try TemporaryDirectory("tmp")
        let items = (0..<lane).map { n in
            MediaItem(source: "test", remoteID: "\(n)", title: "\(n)", url: server.url("/barrier/\(lane)/audio-pcm.wav?copy=\(n)"))
        }
        let graph = Graph(
            source: ListSource(items: items),
            // A long stall limit: on a machine busy with the rest of the suite the first requests
            // may wait at the barrier a while for the last to open.
            stages: [ResolveStage(), DownloadStage(downloader: Downloader(options: DownloadOptions(stallTimeout: .seconds(600))), concurrency: lane)])
        let observer = CountingObserver()
        try await graph.run(lanes: Lanes(LaneLimits(network: lane)), temporaryDirectory: temp.url, observer: observer)
        #expect(observer.failures.withLock { $0 } == [])
        #expect(observer.succeeded.withLock { $0 } == lane)
    }

    @Test func aCancelledTransferLeavesNoPartialFileAndFreesItsSlot() async throws {
        let server = try FaultServer(root: Fixtures.mediaDirectory, slowSeconds: 120)
        let temp = try TemporaryDirectory("tmp")
        let lanes = Lanes(LaneLimits(network: 1))
        let downloader = Downloader()
        let fetch = { @Sendable (path: String, name: String) async throws -> Downloader.Result in
            try await lanes.network.withPermit {
                try await AtomicFile.write(to: temp.file(name).path) { part in try await downloader.download(server.url(path), to: part) }
            }
        }
        let held = Task { try await fetch("/slow/audio-pcm.wav", "held.wav") }
        try await waitUntil("the held transfer has opened its file", timeout: .seconds(120)) {
            try FileManager.default.contentsOfDirectory(atPath: temp.path).count == 1
        }
        held.cancel()
        // The lane has one slot: the next transfer runs only once the cancelled one gave it back.
        let next = try await withDeadline("a transfer after the cancelled one", timeout: .seconds(60)) {
            try await fetch("/files/audio-pcm.wav", "next.wav")
        }
        await #expect(throws: CancellationError.self) { try await held.value }
        #expect(next.sha256 == (try FileChecksummer().sha256(path: Fixtures.media("audio-pcm.wav")).digest))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["next.wav"])
    }
}
