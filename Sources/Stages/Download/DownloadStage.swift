public import Engine
import Foundation

/// Downloads the resolved URL into an item-owned temp file (under a hidden partial name while
/// it arrives, renamed when complete: `AtomicFile`) and records its size and SHA-256, taken on
/// the way.
public struct DownloadStage: OriginalStage {
    public let downloader: Downloader
    public let concurrency: Int

    public init(downloader: Downloader, concurrency: Int) {
        self.downloader = downloader
        self.concurrency = concurrency
    }

    public var name: String { "download" }
    public var lane: LaneKind? { .network }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        let url = item.resolvedURL ?? item.url
        let ext = LibraryPath.sanitizeExtension(URL(string: url)?.pathExtension ?? "")  // no query strings in names
        let complete = context.temporaryPath(suffix: ext.isEmpty ? ".download" : ".\(ext)")
        let result: Downloader.Result
        do {
            result = try await AtomicFile.write(to: complete) { part in try await downloader.download(url, to: part) }
        } catch let error as AtomicFileError {
            throw DownloadError.cannotWrite(path: complete, reason: error.reason)
        }
        var item = item
        item.downloadedFile = complete
        item.byteCount = Int64(result.bytes)
        item.sha256 = result.sha256.hex
        return .forward(item)
    }
}
