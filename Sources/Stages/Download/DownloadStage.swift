public import Engine
import Foundation

/// Downloads the resolved URL into an item-owned temp file and records its size and SHA-256,
/// taken on the way. A job item downloads into its partial file (`PartialDownloads`), kept
/// when the attempt ends on a transient error or is interrupted, so the next attempt continues
/// it; it is renamed to the item's temp name once complete. A live stream that never ends is
/// skipped with the reason. A source with a cap (`SourceCaps`) is downloaded from by at most
/// that many items at once, across every worker of the store.
public struct DownloadStage: OriginalStage {
    public let downloader: Downloader
    public let concurrency: Int
    public let caps: SourceCaps?

    public init(downloader: Downloader, concurrency: Int, caps: SourceCaps? = nil) {
        self.downloader = downloader
        self.concurrency = concurrency
        self.caps = caps
    }

    public var name: String { "download" }
    public var lane: LaneKind? { .network }
    /// The network permit is held around the transfer only: not while a capped source's slot
    /// is waited for.
    public var takesLaneItself: Bool { true }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        let url = item.resolvedURL ?? item.url
        let ext = LibraryPath.sanitizeExtension(URL(string: url)?.pathExtension ?? "")  // no query strings in names
        let complete = context.temporaryPath(suffix: ext.isEmpty ? ".download" : ".\(ext)")
        let result: Downloader.Result
        let progress = TransferProgress(title: item.title, lease: item.lease)
        do {
            let transfer = { () async throws -> Downloader.Result in
                try await context.withLane(.network) {
                    if let partial = PartialFile(item: item, context: context) {
                        return try await partial.download(url, with: downloader, to: complete, progress: progress)
                    }
                    return try await AtomicFile.write(to: complete) { part in try await downloader.download(url, to: part, progress: progress) }
                }
            }
            if let caps { result = try await caps.withSlot(for: item, context: context, transfer) } else { result = try await transfer() }
        } catch let error as AtomicFileError {
            throw DownloadError.cannotWrite(path: complete, reason: error.reason)
        } catch let error as DownloadError {
            if case .endless = error { return .skip(item, reason: error.description) }
            throw error
        }
        var item = item
        item.downloadedFile = complete
        item.byteCount = Int64(result.bytes)
        item.sha256 = result.sha256.hex
        return .forward(item)
    }
}

/// A job item's partial download, locked by this attempt (a stale attempt of the same item
/// in this process cannot write into it; the newer one then downloads afresh elsewhere).
struct PartialFile {
    let path: String
    private let lock: Int32

    init?(item: MediaItem, context: StageContext) {
        guard let lease = item.lease else { return nil }
        path = PartialDownloads.path(in: context.temporaryDirectory, jobItemID: lease.jobItemID)
        lock = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return nil }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            close(lock)
            return nil
        }
    }

    /// Downloads (continuing what is there) and renames the complete file to `destination`.
    /// A permanent failure removes the partial; a transient one, or an interruption, keeps it.
    func download(_ url: String, with downloader: Downloader, to destination: String, progress: TransferProgress) async throws
        -> Downloader.Result
    {
        defer { close(lock) }
        do {
            let result = try await downloader.download(url, to: path, resumable: true, progress: progress)
            guard rename(path, destination) == 0 else { throw DownloadError.cannotWrite(path: destination, reason: String(errno: errno)) }
            if result.keptValidator { unlink(Downloader.metaPath(path)) }
            return result
        } catch {
            if !(error is CancellationError), (error as? any ClassifiedError)?.isTransient != true {
                unlink(path)
                unlink(Downloader.metaPath(path))
            }
            throw error
        }
    }
}
