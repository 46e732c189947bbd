public import Engine
import Foundation

/// Makes the planned renditions of each stored original, beside it in the library
/// (`<title>.<profile>.<ext>`), and records each as a file asset of kind rendition linked to
/// the original. Renditions the library already has are not made again.
public struct TranscodeStage: ItemStage {
    public let plan: RenditionPlan
    public let store: any CatalogStore
    public let library: LocalLibrary
    private let transcoder = Transcoder()
    private let making = KeyedLock<String>()

    public init(plan: RenditionPlan, store: any CatalogStore, library: LocalLibrary) {
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
            throw StageInputError(item: item.key, stage: name, missing: "a stored original")
        }
        var item = item
        for profile in wanted {
            // Items with the same content make each rendition once: the second waits for the
            // first and then finds it stored.
            try await making.withLock("\(sha256)/\(profile.name)") {
                try await makeRendition(
                    profile, original: original, locator: locator, sha256: sha256, itemID: id, lease: item.lease, context: context)
            }
            item.renditions.insert(profile.name)
        }
        return .forward(item)
    }

    private func makeRendition(
        _ profile: TranscodeProfile, original: String, locator: String, sha256: String, itemID id: Int64, lease: ItemLease?,
        context: StageContext
    ) async throws {
        // Content another item already had may have this rendition: share it.
        if let stored = try await store.storedRendition(originalSHA256: sha256, profile: profile.name, linkTo: id, lease: lease),
            library.holds(stored.file.locator, size: stored.file.size)
        {
            return
        }
        // Made in the item's temp space (cleaned on failure, cancel, or the next start after a
        // crash), then placed into the library under the library's naming policy: beside the
        // original as `<stem>.<profile>.<ext>`, content-tagged when another original of the
        // same name has that; the library never holds a partial file.
        let made = context.temporaryPath(suffix: ".\(profile.fileExtension)")
        try await transcoder.transcode(input: original, output: made, profile: profile)
        let (digest, bytes, renditionLocator) = try await BlockingIO.run { [library] in
            let (digest, bytes) = try FileChecksummer(bufferSize: 256 << 10).sha256(path: made)
            let placed = try library.place(
                made, sha256: digest.hex,
                candidates: LibraryPath.candidates(locator, sha256: sha256) {
                    LibraryPath.rendition(of: $0, profile: profile.name, ext: profile.fileExtension)
                })
            return (digest, bytes, placed)
        }
        do {
            _ = try await store.recordRendition(
                itemID: id, originalSHA256: sha256, profile: profile.name, sha256: digest.hex, size: Int64(bytes),
                format: profile.container ?? profile.fileExtension, backend: LocalLibrary.backendName, locator: renditionLocator,
                lease: lease)
        } catch {
            // Not recorded: the file must not stay in the library unaccounted for (nobody else
            // can have recorded it: renditions of one content and profile take turns).
            if let path = library.path(for: renditionLocator) { unlink(path) }
            throw error
        }
    }
}
