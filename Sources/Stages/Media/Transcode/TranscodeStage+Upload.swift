import Engine
import Foundation

extension TranscodeStage {
    /// Makes `wanted` from the item's download into its temp space and records each as an
    /// asset (without a location) for the upload stage; a rendition that fails is recorded as
    /// in the library, and one that failed before with the same settings is not tried. One the
    /// library holds already (the same content ingested by a graph that keeps originals) is
    /// not made again: that file goes up; nor is one already on `backend` (the same content
    /// stored by another item of an S3 library). Items with the same content, on any worker,
    /// make each rendition one after another, on the store's content claim for `backend` (an S3
    /// library, or a graph that keeps no originals). The key names the original's whole file
    /// name (`clip.mp4.h264-720p.mp4`), so that `clip.mp4` and `clip.mov` do not share one.
    func makeForUpload(_ wanted: [TranscodeProfile], item: MediaItem, to backend: String, context: StageContext) async throws -> MediaItem {
        guard let id = item.catalogID, let input = item.downloadedFile, let sha256 = item.sha256, let locator = item.locator else {
            throw StageInputError(item: item.key, stage: name, missing: "a recorded download")
        }
        var item = item
        let gain = wanted.contains { $0.loudnessTags != .none } ? try await replayGain(itemID: id) : .none
        // In the content keys' order, which every process shares: no two items wait on each
        // other's claims.
        let claimed = wanted.map { (profile: $0, content: ContentKey.rendition(of: sha256, profile: $0.name)) }
            .sorted { $0.content.value < $1.content.value }
        for (profile, content) in claimed {
            // Items with the same content on other workers make and upload each rendition one
            // after the other, so no attempt sets back an upload another finished (killed after
            // that, it would leave the upload unsettled). A rendition this attempt puts up keeps
            // the claim until the attempt ends (its upload is a later stage); the next one finds
            // it on the backend. Without a lease (one process, no job) there is no claim.
            _ = try await ContentPlacement.claim(content, backend: backend, lease: item.lease, store: store, replacing: true)
            // After the claim: an item with the same content may have just failed it, or stored
            // it. Only a rendition this attempt puts up keeps its claim.
            if try await failedBefore(profile, originalSHA256: sha256) {
                item.failedRenditions.insert(profile.name)
                try await ContentPlacement.release(content, backend: backend, lease: item.lease, store: store)
                continue
            }
            let name = LibraryPath.rendition(of: locator, profile: profile.name, ext: profile.fileExtension, keepingExtension: true)
            if !remake, let stored = try await store.storedRendition(originalSHA256: sha256, profile: profile.name, linkTo: id, lease: item.lease) {
                if stored.file.backend == backend {
                    item.renditions.insert(profile.name)
                    try await ContentPlacement.release(content, backend: backend, lease: item.lease, store: store)
                    continue
                }
                if stored.file.backend == LocalLibrary.backendName, library.holds(stored.file.locator, size: stored.file.size),
                    let path = library.path(for: stored.file.locator)
                {
                    item.madeRenditions.append(MadeRendition(assetID: stored.file.assetID, profile: profile.name, path: path, size: stored.file.size, locator: name))
                    continue
                }
            }
            let made = context.temporaryPath(suffix: ".\(profile.fileExtension)")
            let tags = gain.tags(for: profile)
            let warnings: [String]
            do {
                warnings = try await context.withLane(.cpu, weight: profile.cpuWeight) {
                    try await transcoder.transcode(input: input, output: made, profile: profile, tags: tags)
                }
            } catch let error as TranscodeError {
                guard case .failed = error else { throw error }
                // Recorded before the claim goes: the next item then finds the failure.
                try await recordFailure(profile, originalSHA256: sha256, error, lease: item.lease)
                try await ContentPlacement.release(content, backend: backend, lease: item.lease, store: store)
                item.failedRenditions.insert(profile.name)
                continue
            }
            let (digest, bytes) = try await context.withLane(.disk) {
                try await BlockingIO.run { try FileChecksummer(bufferSize: 256 << 10).sha256(path: made) }
            }
            let assetID = try await store.recordRenditionAsset(
                itemID: id, originalSHA256: sha256, profile: profile.name, sha256: digest.hex, size: Int64(bytes),
                format: profile.container ?? profile.fileExtension, warnings: warnings, key: profile.key(input: sha256, tags: tags),
                lease: item.lease)
            item.madeRenditions.append(MadeRendition(assetID: assetID, profile: profile.name, path: made, size: Int64(bytes), locator: name))
        }
        return item
    }
}
