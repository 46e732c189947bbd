public import Engine
import Foundation

/// Makes the planned renditions of each stored original, beside it in the library
/// (`<title>.<profile>.<ext>`), and records each as a file asset of kind rendition linked to
/// the original. Renditions the library already has are not made again.
public struct TranscodeStage: ItemStage {
    public let plan: RenditionPlan
    public let store: any JobStore
    public let library: LocalLibrary
    private let transcoder = Transcoder()

    public init(plan: RenditionPlan, store: any JobStore, library: LocalLibrary) {
        self.plan = plan
        self.store = store
        self.library = library
    }

    public var name: String { "transcode" }
    public var concurrency: Int { LaneLimits.cores }
    public var lane: LaneKind? { .cpu }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        let wanted = plan.profiles(for: item.mediaKind).filter { !item.renditions.contains($0.name) }
        guard !wanted.isEmpty else { return .forward(item) }
        guard let id = item.catalogID, let locator = item.locator, let sha256 = item.sha256,
            let original = library.path(for: locator)
        else {
            throw StorageError.cannotWrite(path: item.key, reason: "the item reached transcoding without a stored original")
        }
        var item = item
        for profile in wanted {
            // Content another item already had may have this rendition: share it.
            if let stored = try await store.storedRendition(originalSHA256: sha256, profile: profile.name, linkTo: id),
                library.holds(stored.file.locator, size: stored.file.size)
            {
                item.renditions.insert(profile.name)
                continue
            }
            // Made in the item's temp space (cleaned on failure, cancel, or the next start after
            // a crash), then placed into the library: the library never holds a partial file.
            let made = context.temporaryPath(suffix: ".\(profile.fileExtension)")
            try await transcoder.transcode(input: original, output: made, profile: profile)
            let (digest, bytes) = try FileChecksummer(bufferSize: 256 << 10).sha256(path: made)
            let renditionLocator = try place(made, original: locator, originalSHA256: sha256, profile: profile)
            _ = try await store.recordRendition(
                itemID: id, originalSHA256: sha256, profile: profile.name, sha256: digest.hex, size: Int64(bytes),
                format: profile.container ?? profile.fileExtension, backend: LocalLibrary.backendName, locator: renditionLocator)
            item.renditions.insert(profile.name)
        }
        return .forward(item)
    }

    /// `<stem>.<profile>.<ext>` beside the original; when another original with the same name
    /// (`Song.mp3` and `Song.flac`) has it, `<stem> [<sha8>].<profile>.<ext>`, which is this
    /// original's own and may be replaced (a leftover of an interrupted run).
    private func place(_ file: String, original: String, originalSHA256: String, profile: TranscodeProfile) throws -> String {
        let plain = LibraryPath.rendition(of: original, profile: profile.name, ext: profile.fileExtension)
        do {
            try library.place(file, at: plain)
            return plain
        } catch StorageError.taken {
            let own = LibraryPath.disambiguated(original, tag: String(originalSHA256.prefix(8)))
            let tagged = LibraryPath.rendition(of: own, profile: profile.name, ext: profile.fileExtension)
            try library.place(file, at: tagged, replacing: true)
            return tagged
        }
    }
}
