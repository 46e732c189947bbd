import Engine
import Foundation
import Stages

/// `maintenance duplicates` and `maintenance dedupe` for the CLI and the console.
struct LibraryUpkeep: LibraryMaintenance {
    let store: any EngineStore
    let library: LocalLibrary

    func duplicates() async throws -> JSONValue {
        let scan = try await LibraryScan.run(store: store, library: library)
        return .object([
            ("duplicates", .array(scan.duplicates.map { copies in
                .object([
                    ("asset", .int(copies[0].assetID)), ("sha256", .string(copies[0].sha256)), ("size", .int(copies[0].size)),
                    ("backend", .string(copies[0].backend)),
                    ("locations", .array(copies.map { .object([("id", .int($0.id)), ("locator", .string($0.locator)), ("primary", .bool($0.isPrimary))]) })),
                ])
            })),
            ("unrecorded", .array(scan.unrecorded.map { file in
                .object([
                    ("path", .string(file.path)), ("size", .int(file.size)), ("sha256", .string(file.sha256)),
                    ("copy_of", file.assets.isEmpty ? .null : .array(file.assets.map { .int($0) })),
                ])
            })),
        ])
    }

    func dedupe(dryRun: Bool) async throws -> JSONValue {
        try await plan(dryRun: dryRun).json
    }

    /// The plan, carried out unless `dryRun`. Refused while a job runs or is about to (on a
    /// shared store, or in the console's own runner).
    func plan(dryRun: Bool) async throws -> DedupePlan {
        if !dryRun, let busy = try await store.jobs(in: [.running, .pauseRequested, .queued]).first {
            throw MaintenanceRefused("refused while job \(busy.id) is \(busy.status.rawValue.replacingOccurrences(of: "_", with: " ")) (let it finish, or pause it, first)")
        }
        let scan = try await LibraryScan.run(store: store, library: library)
        /// The copy's file holds its asset's bytes (hashed: a file of the right size may have rotted).
        func healthy(_ location: StoredLocation) async -> Bool {
            guard let path = library.path(for: location.locator), let (sha, size) = try? await LocationVerifier.hashFile(path) else { return false }
            return sha == location.sha256 && size == location.size
        }
        var plan = DedupePlan(dryRun: dryRun)
        for group in scan.duplicates {
            var keep: StoredLocation?
            for candidate in LibraryScan.preferred(group) where await healthy(candidate) {
                keep = candidate
                break
            }
            guard let keep else {
                plan.unhealthy.append(group[0].assetID)
                continue
            }
            plan.kept.append((keep, group.filter { $0.id != keep.id }))
        }
        // An unrecorded copy goes only while its asset has a healthy recorded copy in the library.
        var held: [Int64: Bool] = [:]
        for file in scan.unrecorded where !file.assets.isEmpty {
            var any = false
            for asset in file.assets {
                if held[asset] == nil {
                    var ok = false
                    for location in scan.locations where location.assetID == asset && location.state == "active" && location.backend == LocalLibrary.backendName {
                        if await healthy(location) {
                            ok = true
                            break
                        }
                    }
                    held[asset] = ok
                }
                any = any || held[asset] == true
            }
            if any { plan.copies.append(file.path) }
        }
        plan.unknown = scan.unrecorded.filter { $0.assets.isEmpty }.map(\.path)
        guard !dryRun else { return plan }
        // Never delete a file that is a kept one under another name (a hard link, or a path a
        // case-insensitive volume resolves to the same file).
        let dropping = Set(plan.kept.flatMap(\.drop).map(\.id))
        let keptFiles = Set(scan.locations.filter { $0.state == "active" && $0.backend == LocalLibrary.backendName && !dropping.contains($0.id) }
            .compactMap { location in library.path(for: location.locator).flatMap(Self.fileID) })
        func delete(_ path: String) {
            guard let id = Self.fileID(path) else { return }
            if keptFiles.contains(id) { plan.spared.append(path); return }
            if unlink(path) != 0 { plan.failed.append("\(path): \(String(errno: errno))") }
        }
        var removed: [(keep: StoredLocation, drop: [StoredLocation])] = []
        for (keep, drop) in plan.kept {
            // The records first: a crash now leaves files at inactive locators, which the next dedupe deletes.
            let dropped = Set(try await store.keepLocation(keep.id, dropping: drop.map(\.id)))
            removed.append((keep, drop.filter { dropped.contains($0.id) }))
        }
        plan.kept = removed
        for (_, drop) in plan.kept { for location in drop { if let path = library.path(for: location.locator) { delete(path) } } }
        for path in plan.copies { delete(library.root.appendingPathComponent(path).path) }
        return plan
    }

    /// A file's device and inode: the same file under two names has one.
    static func fileID(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_dev):\(info.st_ino)"
    }
}

/// What a dedupe keeps and removes.
struct DedupePlan: Sendable {
    var dryRun: Bool
    var kept: [(keep: StoredLocation, drop: [StoredLocation])] = []
    var copies: [String] = []
    var unknown: [String] = []
    /// Assets none of whose copies holds its bytes: left as they are (`maintenance verify --repair`).
    var unhealthy: [Int64] = []
    /// Files not deleted: the kept file under another name, or an unlink that failed.
    var spared: [String] = []
    var failed: [String] = []

    var json: JSONValue {
        func row(_ location: StoredLocation) -> JSONValue {
            .object([("asset", .int(location.assetID)), ("id", .int(location.id)), ("locator", .string(location.locator))])
        }
        return .object([
            ("dry_run", .bool(dryRun)), ("kept", .array(kept.map { row($0.keep) })), ("removed", .array(kept.flatMap(\.drop).map(row))),
            ("deleted_unrecorded", .array(copies.map(JSONValue.string))), ("unknown", .array(unknown.map(JSONValue.string))),
            ("no_healthy_copy", .array(unhealthy.map { .int($0) })), ("spared", .array(spared.map(JSONValue.string))),
            ("failed", .array(failed.map(JSONValue.string))),
        ])
    }

    var text: String {
        let verb = dryRun ? "would remove" : "removed"
        var lines = kept.map { "asset \($0.keep.assetID): kept \($0.keep.locator); \(verb) \($0.drop.map(\.locator).joined(separator: ", "))" }
        lines += copies.map { "\(dryRun ? "would delete" : "deleted") unrecorded copy \($0)" }
        lines += unknown.map { "left unknown file \($0)" }
        lines += unhealthy.map { "asset \($0): no copy holds its bytes; left as it is (`engine maintenance verify --repair`)" }
        lines += spared.map { "kept \($0): it is a kept file under another name" }
        lines += failed.map { "could not delete \($0)" }
        let removed = kept.reduce(0) { $0 + $1.drop.count }
        lines.append(
            "\(kept.count) asset(s) kept once, \(removed) copy record(s) \(verb), \(copies.count) unrecorded cop(ies) \(dryRun ? "to delete" : "deleted"), \(unknown.count) unknown file(s) left"
                + (dryRun ? " (--dry-run: nothing was changed)" : ""))
        return lines.joined(separator: "\n")
    }
}
