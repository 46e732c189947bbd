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
        func exists(_ location: StoredLocation) -> Bool { library.holds(location.locator, size: location.size) }
        var plan = DedupePlan(dryRun: dryRun)
        for group in scan.duplicates where group[0].backendKind == "local_fs" {
            let keep = LibraryScan.keeper(of: group, exists: exists)
            plan.kept.append((keep, group.filter { $0.id != keep.id }))
        }
        // An unrecorded copy goes only while its asset has a healthy recorded copy in the library.
        let held = Set(scan.locations.filter { $0.state == "active" && $0.backend == LocalLibrary.backendName && exists($0) }.map(\.assetID))
        plan.copies = scan.unrecorded.filter { file in file.assets.contains { held.contains($0) } }.map(\.path)
        plan.unknown = scan.unrecorded.filter { $0.assets.isEmpty }.map(\.path)
        guard !dryRun else { return plan }
        for (keep, drop) in plan.kept { try await store.keepLocation(keep.id, dropping: drop.map(\.id)) }
        // The records first: a crash now leaves unrecorded copies, which the next dedupe deletes.
        for (_, drop) in plan.kept { for location in drop { if let path = library.path(for: location.locator) { unlink(path) } } }
        for path in plan.copies { unlink(library.root.appendingPathComponent(path).path) }
        return plan
    }
}

/// What a dedupe keeps and removes.
struct DedupePlan: Sendable {
    var dryRun: Bool
    var kept: [(keep: StoredLocation, drop: [StoredLocation])] = []
    var copies: [String] = []
    var unknown: [String] = []

    var json: JSONValue {
        func row(_ location: StoredLocation) -> JSONValue {
            .object([("asset", .int(location.assetID)), ("id", .int(location.id)), ("locator", .string(location.locator))])
        }
        return .object([
            ("dry_run", .bool(dryRun)), ("kept", .array(kept.map { row($0.keep) })), ("removed", .array(kept.flatMap(\.drop).map(row))),
            ("deleted_unrecorded", .array(copies.map(JSONValue.string))), ("unknown", .array(unknown.map(JSONValue.string))),
        ])
    }

    var text: String {
        let verb = dryRun ? "would remove" : "removed"
        var lines = kept.map { "asset \($0.keep.assetID): kept \($0.keep.locator); \(verb) \($0.drop.map(\.locator).joined(separator: ", "))" }
        lines += copies.map { "\(dryRun ? "would delete" : "deleted") unrecorded copy \($0)" }
        lines += unknown.map { "left unknown file \($0)" }
        let removed = kept.reduce(0) { $0 + $1.drop.count }
        lines.append(
            "\(kept.count) asset(s) kept once, \(removed) copy record(s) \(verb), \(copies.count) unrecorded cop(ies) \(dryRun ? "to delete" : "deleted"), \(unknown.count) unknown file(s) left"
                + (dryRun ? " (--dry-run: nothing was changed)" : ""))
        return lines.joined(separator: "\n")
    }
}
