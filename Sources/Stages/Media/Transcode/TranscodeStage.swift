public import Engine
import Foundation

/// Makes the planned renditions of each stored original, beside it in the library
/// (`<title>.<profile>.<ext>`), and records each as a file asset of kind rendition linked to
/// the original, with the key it was made from (the original's SHA-256, the profile's settings
/// with the ReplayGain tags it carries, libav's versions). Renditions the library already has
/// are not made again; a `reprocess` job (`remake`) makes those whose key changed (replacing
/// the stored file where the new bytes differ) and takes out those no longer planned.
///
/// Items with the same content make each rendition once: in one process they take turns on a
/// `KeyedLock`, across processes on the store's content claim (`claimContent`).
///
/// A rendition whose transcode fails (the input is beyond what the decoders tolerate) does not
/// fail the item, whose original is stored: the failure is recorded with the profile's
/// settings, and the rendition is not tried again with the same settings until a retry
/// (`jobs retry`) clears the record.
///
/// In a graph that keeps no originals, or keeps them on S3 (`output: .upload`), renditions are made from the item's
/// download into its temp space and recorded as assets without a location, for the upload
/// stage after it (`TranscodeStage+Upload.swift`).
public struct TranscodeStage: ItemStage {
    public enum Output: Sendable {
        /// Beside the stored original in the library.
        case library
        /// In the item's temp space, for the upload stage to backend `to`.
        case upload(to: String)
    }

    public let plan: RenditionPlan
    public let store: any CatalogStore
    public let library: LocalLibrary
    public let remake: Bool
    public let output: Output
    let transcoder = Transcoder()
    private let making = KeyedLock<String>()

    public init(plan: RenditionPlan, store: any CatalogStore, library: LocalLibrary, remake: Bool = false, output: Output = .library) {
        self.plan = plan
        self.store = store
        self.library = library
        self.remake = remake
        self.output = output
    }

    public var name: String { "transcode" }
    public var concurrency: Int { LaneLimits.cores }
    public var lane: LaneKind? { .cpu }
    /// Cpu permits while each rendition is made, as many as its codec threads
    /// (`TranscodeProfile.cpuWeight`); the claims, the hash and place (a disk slot) and the
    /// records hold none.
    public var takesLaneItself: Bool { true }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        var wanted = plan.profiles(for: item.mediaKind).filter { remake || !item.renditions.contains($0.name) }
        if remake { wanted = try await reprocessing(wanted, item: item) }
        guard !wanted.isEmpty else { return .forward(item) }
        if case .upload(let backend) = output { return .forward(try await makeForUpload(wanted, item: item, to: backend, context: context)) }
        guard let id = item.catalogID, let locator = item.locator, let sha256 = item.sha256,
            let original = library.path(for: locator)
        else {
            throw StageInputError(item: item.key, stage: name, missing: "a stored original")
        }
        var item = item
        let gain = wanted.contains { $0.loudnessTags != .none } ? try await replayGain(itemID: id) : .none
        for profile in wanted {
            let content = ContentKey.rendition(of: sha256, profile: profile.name)
            let made = try await making.withLock(content.value) {
                // After the lock: an item with the same content may have just failed it.
                if try await failedBefore(profile, originalSHA256: sha256) { return false }
                do {
                    try await makeRendition(
                        profile, content: content, original: original, locator: locator, sha256: sha256, itemID: id,
                        tags: gain.tags(for: profile), lease: item.lease, context: context)
                    return true
                } catch let error as TranscodeError {
                    guard case .failed = error else { throw error }
                    if let lease = item.lease { try await store.releaseContent(content, backend: LocalLibrary.backendName, lease: lease) }
                    try await recordFailure(profile, originalSHA256: sha256, error, lease: item.lease)
                    return false
                }
            }
            if made { item.renditions.insert(profile.name) } else { item.failedRenditions.insert(profile.name) }
        }
        return .forward(item)
    }

    /// A reprocess makes only the planned renditions whose key changed (or that are missing, or
    /// whose file is gone), and takes out the renditions of profiles no longer planned.
    func reprocessing(_ planned: [TranscodeProfile], item: MediaItem) async throws -> [TranscodeProfile] {
        guard let id = item.catalogID, let sha256 = item.sha256 else { return planned }
        let gain = try await replayGain(itemID: id)
        var wanted: [TranscodeProfile] = []
        for profile in planned {
            let stored = try await store.storedRendition(originalSHA256: sha256, profile: profile.name, linkTo: id, lease: item.lease)
            let current = profile.key(input: sha256, tags: gain.tags(for: profile))
            if stored?.key != current || !(stored.map { library.holds($0.file.locator, size: $0.file.size) } ?? false) { wanted.append(profile) }
        }
        for name in item.renditions.subtracting(planned.map(\.name)).sorted() {
            guard let stored = try await store.storedRendition(originalSHA256: sha256, profile: name, linkTo: id, lease: item.lease) else { continue }
            try await library.delete(try await store.removeOutput(assetID: stored.file.assetID, lease: item.lease))
        }
        return wanted
    }

    /// The loudness the processors measured for the item's original and its album.
    func replayGain(itemID: Int64) async throws -> ReplayGain {
        guard let original = try await store.storedOriginal(itemID: itemID) else { return .none }
        return try await ReplayGain.stored(itemID: itemID, assetID: original.assetID, in: store)
    }

    /// The rendition failed before with these very settings (a remake tries again).
    func failedBefore(_ profile: TranscodeProfile, originalSHA256 sha256: String) async throws -> Bool {
        guard !remake, let failure = try await store.renditionFailure(originalSHA256: sha256, profile: profile.name) else { return false }
        return failure.settings == profile.settingsFingerprint
    }

    /// Keeps why the rendition could not be made, with the profile's settings.
    func recordFailure(_ profile: TranscodeProfile, originalSHA256 sha256: String, _ error: TranscodeError, lease: ItemLease?) async throws {
        try await store.recordRenditionFailure(
            originalSHA256: sha256, profile: profile.name, settings: profile.settingsFingerprint, error: "\(error)", lease: lease)
    }

    private func makeRendition(
        _ profile: TranscodeProfile, content: ContentKey, original: String, locator: String, sha256: String, itemID id: Int64,
        tags: [(key: String, value: String)], lease: ItemLease?, context: StageContext
    ) async throws {
        var replacing = remake
        var stored: StoredRendition?
        while true {
            let claim = try await library.claim(content, lease: lease, store: store, replacing: replacing)
            if claim == .busy {
                try await Task.sleep(for: LocalLibrary.claimPoll)
                continue
            }
            // Content another item already had may have this rendition: share it (a fresh claim
            // means none is recorded; a remake needs the one it replaces).
            guard claim != .claimed || remake else { break }
            stored = try await store.storedRendition(originalSHA256: sha256, profile: profile.name, linkTo: id, lease: lease)
                .flatMap { library.holds($0.file.locator, size: $0.file.size) ? $0 : nil }
            if stored != nil, !remake { return }
            // Recorded, but its file is gone from the library: claim it to be made again.
            if stored == nil, claim == .placed {
                replacing = true
                continue
            }
            break
        }
        // Made in the item's temp space (cleaned on failure, cancel, or the next start after a
        // crash), then placed into the library under the library's naming policy: beside the
        // original as `<stem>.<profile>.<ext>`, content-tagged when another original of the
        // same name has that; made again, over the file it replaces. The library never holds a
        // partial file.
        let made = context.temporaryPath(suffix: ".\(profile.fileExtension)")
        let warnings = try await context.withLane(.cpu, weight: profile.cpuWeight) {
            try await transcoder.transcode(input: original, output: made, profile: profile, tags: tags)
        }
        let (digest, bytes, renditionLocator) = try await context.withLane(.disk) { try await BlockingIO.run { [library, stored] in
            let (digest, bytes) = try FileChecksummer(bufferSize: 256 << 10).sha256(path: made)
            if let stored {
                if stored.file.sha256 == digest.hex {
                    unlink(made)
                } else {
                    try library.place(made, at: stored.file.locator, replacing: true)
                }
                return (digest, bytes, stored.file.locator)
            }
            let placed = try library.place(
                made, sha256: digest.hex,
                candidates: LibraryPath.candidates(locator, sha256: sha256) {
                    LibraryPath.rendition(of: $0, profile: profile.name, ext: profile.fileExtension)
                })
            return (digest, bytes, placed)
        } }
        do {
            _ = try await store.recordRendition(
                itemID: id, originalSHA256: sha256, profile: profile.name, sha256: digest.hex, size: Int64(bytes),
                format: profile.container ?? profile.fileExtension, warnings: warnings, key: profile.key(input: sha256, tags: tags),
                backend: LocalLibrary.backendName,
                locator: renditionLocator, lease: lease)
        } catch {
            // A replaced file stays: the rendition's record names that locator either way.
            if stored == nil {
                await library.abandon(renditionLocator, claim: content, lease: lease, store: store, after: error)
            }
            throw error
        }
    }
}
