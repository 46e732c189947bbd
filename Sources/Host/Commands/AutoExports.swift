import Engine
import Foundation
import Logging
import Stages

/// Automatic export folders (`exports.auto: true`): every complete collection has a folder in
/// `exports.dir`, written as soon as the job that completes it has settled its items — while
/// the job goes on with other collections — and brought up to date by a runner that starts
/// (a collection completed just before a crash gets its folder then). A folder already equal
/// to its collection (the fingerprint in its manifest) is left as it is.
final class AutoExports: Sendable {
    let exporter: LibraryExporter
    let directory: URL
    let options: ExportOptions
    private let logger = Logger(label: "engine.exports")

    /// Nil when the profile does not keep export folders.
    init?(settings: Settings, store: any EngineStore) {
        guard settings["exports.auto"] == "true" else { return nil }
        exporter = LibraryExporter(store: store, library: LocalLibrary(root: settings.directory.library))
        directory = settings["exports.dir"].map { URL(fileURLWithPath: $0) } ?? settings.directory.exports
        options = ExportOptions(
            rendition: settings["exports.rendition"], playlist: settings["exports.playlist"].flatMap(ExportPlaylistFormat.init(rawValue:)) ?? .m3u8)
    }

    var store: any EngineStore { exporter.store }

    /// Every complete collection's folder, made or refreshed where it is missing or stale
    /// (an unchanged one costs a store read and its manifest's).
    func backfill() async {
        do {
            let rows = try await store.collections(CollectionFilter(status: .downloaded), limit: Int(Int32.max)).rows
            for row in rows { _ = await export(row, jobID: nil) }
        } catch {
            logger.error("automatic exports: cannot list the collections", metadata: ["error": "\(error)"])
        }
    }

    /// Exports the job's collections whose items have all settled, but those in `done`; returns
    /// the locators exported (or found current) now. One not complete yet (an item it shares
    /// with another collection still open, say) is tried again on the next pass.
    func pass(jobID: Int64, skipping done: Set<String>) async -> Set<String> {
        guard let rows = try? await store.jobCollections(jobID: jobID) else { return [] }
        var exported: Set<String> = []
        for row in rows where !row.locator.isEmpty && !done.contains(row.locator) && row.done + row.failed == row.total {
            guard let matches = try? await store.collections(CollectionFilter(keyword: row.locator), limit: 1000).rows else { continue }
            for collection in matches where collection.locator == row.locator && collection.status == .downloaded {
                if await export(collection, jobID: jobID) { exported.insert(row.locator) }
            }
        }
        return exported
    }

    /// True when the folder is current (written now, or already).
    private func export(_ row: CollectionRow, jobID: Int64?) async -> Bool {
        let name = row.title ?? Redaction.url(row.locator)
        do {
            for (plan, outcome) in try await exporter.folders([row], options: options, into: directory) {
                guard case .written(let folder, let linked, let copied) = outcome else { continue }
                let message = "collection '\(name)' exported to \(directory.appendingPathComponent(folder).path) (\(linked) linked, \(copied) copied)"
                logger.info("exported", metadata: ["collection": "\(name)", "folder": "\(plan.folder)"])
                if let jobID { try? await store.appendEvent(jobID: jobID, kind: "exported", message: message) }
            }
            return true
        } catch {
            logger.error("automatic export failed", metadata: ["collection": "\(name)", "error": "\(error)"])
            if let jobID { try? await store.appendEvent(jobID: jobID, kind: "export_failed", message: "\(error)") }
            return false
        }
    }
}
