internal import CMediaKernels
import Engine
package import Foundation

/// A collection exported as a folder: its files hard-linked from the library where the volume
/// allows (copied otherwise), its cover art and playlist, and a manifest
/// (`.media-engine-export.json`) with the collection's id and the plan's fingerprint. The
/// folder is built under a temporary name beside the old one and swapped with it in one
/// rename (RENAME_EXCHANGE), so a reader (or a crash) sees the old export or the new, never a
/// mix or none. A folder without a manifest is never replaced; one holding another
/// collection of the same name makes this one `NAME (ID)`.
package enum ExportFolder {
    public static let manifestName = ".media-engine-export.json"

    public enum Outcome: Sendable, Equatable {
        case written(folder: String, linked: Int, copied: Int)
        /// The folder already held this plan's export.
        case unchanged(folder: String)
    }

    /// One writer at a time per folder in this process (auto exports, a command's).
    private static let writers = KeyedLock<String>()

    /// Writes `plan` into `parent/<plan.folder>` (or `<plan.folder> (<id>)`, see above).
    public static func write(_ plan: ExportPlan, into parent: URL) async throws -> Outcome {
        try await writers.withLock(parent.appendingPathComponent(plan.folder).path) {
            try await BlockingIO.run { try writeNow(plan, into: parent) }
        }
    }

    /// What an export folder's manifest says (nil: none, or no folder).
    static func manifest(at folder: URL) -> (collection: Int64?, fingerprint: String?)? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(manifestName).path),
            let manifest = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return nil }
        var collection: Int64?, fingerprint: String?
        if case .int(let id)? = manifest["collection_id"] { collection = id }
        if case .string(let text)? = manifest["fingerprint"] { fingerprint = text }
        return (collection, fingerprint)
    }

    static func writeNow(_ plan: ExportPlan, into parent: URL) throws -> Outcome {
        let files = FileManager.default
        do {
            try files.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ExportError.unwritable(path: parent.path, reason: error.localizedDescription)
        }
        var name = plan.folder
        var final = parent.appendingPathComponent(name)
        if files.fileExists(atPath: final.path), let found = manifest(at: final), found.collection != plan.collection.id {
            name = "\(plan.folder) (\(plan.collection.id))"
            final = parent.appendingPathComponent(name)
        }
        let exists = files.fileExists(atPath: final.path)
        if exists {
            guard let found = manifest(at: final), found.collection == plan.collection.id else { throw ExportError.notAnExport(path: final.path) }
            if found.fingerprint == plan.fingerprint, plan.files.allSatisfy({ files.fileExists(atPath: final.appendingPathComponent($0.name).path) }) {
                return .unchanged(folder: name)
            }
        }
        removeLeftovers(of: name, in: parent)
        let building = parent.appendingPathComponent(".\(name).partial-\(UUID().uuidString)")
        var linked = 0, copied = 0
        do {
            try files.createDirectory(at: building, withIntermediateDirectories: false)
            for file in plan.files {
                let target = building.appendingPathComponent(file.name).path
                if link(file.path, target) == 0 {
                    linked += 1
                } else if [EXDEV, EPERM, EMLINK, ENOTSUP].contains(errno) {
                    try files.copyItem(atPath: file.path, toPath: target)
                    copied += 1
                } else {
                    throw ExportError.unreadable(path: file.path, reason: String(errno: errno))
                }
            }
            if let cover = plan.cover() { try Data(cover.bytes).write(to: building.appendingPathComponent(cover.name)) }
            try Data(plan.playlist).write(to: building.appendingPathComponent(plan.playlistName))
            try Data(manifest(plan).serialized().utf8).write(to: building.appendingPathComponent(manifestName))
            if !exists {
                try files.moveItem(at: building, to: final)
            } else if mk_rename_exchange(building.path, final.path) == 0 {
                try? files.removeItem(at: building)  // the old export, swapped out
            } else {
                // A file system without RENAME_EXCHANGE: two renames, the old one kept until the new is in.
                let old = parent.appendingPathComponent(".\(name).old-\(UUID().uuidString)")
                try files.moveItem(at: final, to: old)
                try files.moveItem(at: building, to: final)
                try? files.removeItem(at: old)
            }
        } catch let error as ExportError {
            try? files.removeItem(at: building)
            throw error
        } catch {
            try? files.removeItem(at: building)
            throw ExportError.unwritable(path: final.path, reason: error.localizedDescription)
        }
        return .written(folder: name, linked: linked, copied: copied)
    }

    /// What a writer that died midway left (its half-built folder, or an old one swapped out):
    /// those not touched for 10 minutes (a younger one may be another process's, at work).
    private static func removeLeftovers(of name: String, in parent: URL) {
        let files = FileManager.default
        for entry in (try? files.contentsOfDirectory(atPath: parent.path)) ?? []
        where entry.hasPrefix(".\(name).partial-") || entry.hasPrefix(".\(name).old-") {
            let path = parent.appendingPathComponent(entry)
            let modified = (try? files.attributesOfItem(atPath: path.path))?[.modificationDate] as? Date
            if let modified, Date().timeIntervalSince(modified) > 600 { try? files.removeItem(at: path) }
        }
    }

    static func manifest(_ plan: ExportPlan) -> JSONValue {
        .object([
            ("collection_id", .int(plan.collection.id)), ("locator", .string(Redaction.url(plan.collection.locator))),
            ("title", plan.collection.title.map(JSONValue.string) ?? .null), ("fingerprint", .string(plan.fingerprint)),
            ("playlist", .string(plan.playlistName)), ("files", .array(plan.files.map { .string($0.name) })),
            ("exported_at", .string(ISO8601DateFormatter().string(from: Date()))),
        ])
    }
}
