import Engine
public import Foundation

/// A collection exported as a folder: its files hard-linked from the library where the volume
/// allows (copied otherwise), its cover art and playlist, and a manifest
/// (`.media-engine-export.json`) with the plan's fingerprint. The folder is built under a
/// temporary name beside the old one and swapped in by renames, so a reader (or a crash) sees
/// the old export or the new, never a mix; a folder without a manifest is never replaced.
public enum ExportFolder {
    public static let manifestName = ".media-engine-export.json"

    public enum Outcome: Sendable, Equatable {
        case written(linked: Int, copied: Int)
        /// The folder already held this plan's export.
        case unchanged
    }

    /// Writes `plan` into `parent/<plan.folder>`.
    public static func write(_ plan: ExportPlan, into parent: URL) async throws -> Outcome {
        try await BlockingIO.run { try writeNow(plan, into: parent) }
    }

    /// The fingerprint recorded in an export folder's manifest (nil: none, or no folder).
    public static func fingerprint(at folder: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(manifestName).path),
            case .string(let fingerprint)? = (try? JSONDecoder().decode(JSONValue.self, from: data))?["fingerprint"]
        else { return nil }
        return fingerprint
    }

    static func writeNow(_ plan: ExportPlan, into parent: URL) throws -> Outcome {
        let files = FileManager.default
        let final = parent.appendingPathComponent(plan.folder)
        do {
            try files.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ExportError.unwritable(path: parent.path, reason: error.localizedDescription)
        }
        let exists = files.fileExists(atPath: final.path)
        if exists {
            guard let fingerprint = fingerprint(at: final) else { throw ExportError.notAnExport(path: final.path) }
            if fingerprint == plan.fingerprint, plan.files.allSatisfy({ files.fileExists(atPath: final.appendingPathComponent($0.name).path) }) {
                return .unchanged
            }
        }
        // What a run that died midway left: its half-built folder, or the old one it swapped out.
        for name in (try? files.contentsOfDirectory(atPath: parent.path)) ?? []
        where name.hasPrefix(".\(plan.folder).partial-") || name.hasPrefix(".\(plan.folder).old-") {
            try? files.removeItem(at: parent.appendingPathComponent(name))
        }
        let building = parent.appendingPathComponent(".\(plan.folder).partial-\(UUID().uuidString)")
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
            if let cover = plan.cover { try Data(cover.bytes).write(to: building.appendingPathComponent(cover.name)) }
            try Data(plan.playlist).write(to: building.appendingPathComponent(plan.playlistName))
            try Data(manifest(plan).serialized().utf8).write(to: building.appendingPathComponent(manifestName))
            let old = parent.appendingPathComponent(".\(plan.folder).old-\(UUID().uuidString)")
            if exists { try files.moveItem(at: final, to: old) }
            try files.moveItem(at: building, to: final)
            if exists { try? files.removeItem(at: old) }
        } catch let error as ExportError {
            try? files.removeItem(at: building)
            throw error
        } catch {
            try? files.removeItem(at: building)
            throw ExportError.unwritable(path: final.path, reason: error.localizedDescription)
        }
        return .written(linked: linked, copied: copied)
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
