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
    /// Where the stage puts the renditions it makes.
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

    /// An item with every planned rendition (or none planned for its kind) passes by, unless
    /// the renditions are made again.
    public func handles(_ item: MediaItem) -> Bool {
        remake || plan.profiles(for: item.mediaKind).contains { !item.renditions.contains($0.name) }
    }

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
        let source = Source(original: original, locator: locator, sha256: sha256, itemID: id, lease: item.lease)
        // Each wanted rendition (once, in the content keys' order, which every process shares:
        // no two items wait on each other's locks or claims) is claimed under its lock, and the
        // ones to make are made together, from one decode.
        var seen = Set<String>()
        let renditions = wanted.filter { seen.insert($0.name).inserted }.map { (profile: $0, content: ContentKey.rendition(of: sha256, profile: $0.name)) }
            .sorted { $0.content.value < $1.content.value }
        try await withLocks(renditions.map(\.content.value)) {
            var pending: [PendingRendition] = []
            var settled = Set<String>()
            do {
                for (profile, content) in renditions {
                    // After the lock: an item with the same content may have just failed it.
                    if try await failedBefore(profile, originalSHA256: sha256) {
                        item.failedRenditions.insert(profile.name)
                    } else if let stored = try await claim(profile, content: content, source: source) {
                        pending.append(PendingRendition(profile: profile, content: content, tags: gain.tags(for: profile), replacing: stored))
                    } else {
                        item.renditions.insert(profile.name)  // shared with content that already had it
                    }
                }
                for (rendition, outcome) in try await make(pending, from: original, context: context) {
                    do {
                        try await place(rendition, made: try outcome.get(), source: source, context: context)
                        settled.insert(rendition.profile.name)
                        item.renditions.insert(rendition.profile.name)
                    } catch let error as TranscodeError {
                        guard case .failed = error else { throw error }
                        // Recorded before the claim goes: the next item then finds the failure.
                        try await recordFailure(rendition.profile, originalSHA256: sha256, error, lease: item.lease)
                        try await ContentPlacement.release(rendition.content, backend: LocalLibrary.backendName, lease: item.lease, store: store)
                        settled.insert(rendition.profile.name)
                        item.failedRenditions.insert(rendition.profile.name)
                    }
                }
            } catch {
                // The claims not yet placed or given back go back now, not when the lease ends
                // (another item with this content would wait on them until then).
                for rendition in pending where !settled.contains(rendition.profile.name) {
                    try? await ContentPlacement.release(rendition.content, backend: LocalLibrary.backendName, lease: item.lease, store: store)
                }
                throw error
            }
        }
        return .forward(item)
    }

    /// `body` under the `making` lock of each key, taken in the order given.
    private func withLocks(_ keys: [String], _ body: () async throws -> Void) async throws {
        guard let key = keys.first else { return try await body() }
        try await making.withLock(key) { try await withLocks(Array(keys.dropFirst()), body) }
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

    /// The stored original renditions are made from.
    struct Source {
        let original: String
        let locator: String
        let sha256: String
        let itemID: Int64
        let lease: ItemLease?
    }

    /// A rendition claimed to be made; `replacing.stored`: the recorded one it replaces.
    struct PendingRendition {
        let profile: TranscodeProfile
        let content: ContentKey
        let tags: [(key: String, value: String)]
        let replacing: Claimed
    }

    /// What a claim found: nothing recorded (make it), or the record whose file a remake replaces.
    struct Claimed {
        let stored: StoredRendition?
    }

    /// Claims the rendition's content for this item: nil when the library already has it (from
    /// content another item had), else what making it replaces.
    private func claim(_ profile: TranscodeProfile, content: ContentKey, source: Source) async throws -> Claimed? {
        var replacing = remake
        var stored: StoredRendition?
        while true {
            let claim = try await ContentPlacement.claim(
                content, backend: LocalLibrary.backendName, lease: source.lease, store: store, replacing: replacing)
            // Content another item already had may have this rendition: share it (a fresh claim
            // means none is recorded; a remake needs the one it replaces).
            guard claim != .claimed || remake else { break }
            stored = try await store.storedRendition(originalSHA256: source.sha256, profile: profile.name, linkTo: source.itemID, lease: source.lease)
                .flatMap { library.holds($0.file.locator, size: $0.file.size) ? $0 : nil }
            if stored != nil, !remake { return nil }
            // Recorded, but its file is gone from the library: claim it to be made again.
            if stored == nil, claim == .placed {
                replacing = true
                continue
            }
            break
        }
        return Claimed(stored: stored)
    }

    /// Transcodes the pending renditions into the item's temp space: from one decode when they
    /// can share it, else (or when the shared run fails, to learn which failed) one at a time.
    /// Each with the file and its warnings, or its error.
    private func make(_ pending: [PendingRendition], from original: String, context: StageContext) async throws
        -> [(PendingRendition, Result<(path: String, warnings: [String]), any Error>)]
    {
        let paths = pending.map { context.temporaryPath(suffix: ".\($0.profile.fileExtension)") }
        if Transcoder.canShareDecode(pending.map(\.profile)) {
            let outputs = zip(pending, paths).map { Transcoder.Output(path: $1, profile: $0.profile, tags: $0.tags) }
            do {
                // An encoder each at once: their weights add up (more than the lane takes all of it).
                let warnings = try await context.withLane(.cpu, weight: pending.map(\.profile.cpuWeight).reduce(0, +)) {
                    try await transcoder.transcode(input: original, outputs: outputs)
                }
                return zip(pending, paths).map { ($0, .success(($1, warnings))) }
            } catch TranscodeError.failed {}
        }
        var results: [(PendingRendition, Result<(path: String, warnings: [String]), any Error>)] = []
        for (rendition, path) in zip(pending, paths) {
            do {
                let warnings = try await context.withLane(.cpu, weight: rendition.profile.cpuWeight) {
                    try await transcoder.transcode(input: original, output: path, profile: rendition.profile, tags: rendition.tags)
                }
                results.append((rendition, .success((path, warnings))))
            } catch let error as TranscodeError {
                results.append((rendition, .failure(error)))
            }
        }
        return results
    }

    /// Places a made rendition into the library under the library's naming policy — beside the
    /// original as `<stem>.<profile>.<ext>`, content-tagged when another original of the same
    /// name has that; made again, over the file it replaces — and records it. The library
    /// never holds a partial file (the transcode wrote into the item's temp space, cleaned on
    /// failure, cancel, or the next start after a crash).
    private func place(_ rendition: PendingRendition, made: (path: String, warnings: [String]), source: Source, context: StageContext) async throws {
        let profile = rendition.profile, stored = rendition.replacing.stored, locator = source.locator, sha256 = source.sha256
        let (digest, bytes, renditionLocator) = try await context.withLane(.disk) { try await BlockingIO.run { [library] in
            let (digest, bytes) = try FileChecksummer(bufferSize: 256 << 10).sha256(path: made.path)
            if let stored {
                if stored.file.sha256 == digest.hex {
                    unlink(made.path)
                } else {
                    try library.place(made.path, at: stored.file.locator, replacing: true)
                }
                return (digest, bytes, stored.file.locator)
            }
            let placed = try library.place(
                made.path, sha256: digest.hex,
                candidates: LibraryPath.candidates(locator, sha256: sha256) {
                    LibraryPath.rendition(of: $0, profile: profile.name, ext: profile.fileExtension)
                })
            return (digest, bytes, placed)
        } }
        do {
            _ = try await store.recordRendition(
                itemID: source.itemID, originalSHA256: sha256, profile: profile.name, sha256: digest.hex, size: Int64(bytes),
                format: profile.container ?? profile.fileExtension, warnings: made.warnings, key: profile.key(input: sha256, tags: rendition.tags),
                backend: LocalLibrary.backendName,
                locator: renditionLocator, lease: source.lease)
        } catch {
            // A replaced file stays: the rendition's record names that locator either way.
            if stored == nil {
                await library.abandon(renditionLocator, claim: rendition.content, lease: source.lease, store: store, after: error)
            }
            throw error
        }
    }
}
