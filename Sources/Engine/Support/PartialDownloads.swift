package import Foundation

/// Where a job item's download is kept between attempts, so that the next one (after a
/// crash, a stall, a dropped connection, a pause) continues it instead of starting over:
/// `<temp>/item-<job item id>.part`, with its validator beside it (`.part.meta`). Only
/// partials of items still open survive a runner's start or a job's end.
package enum PartialDownloads {
    static let prefix = "item-"

    public static func path(in temporaryDirectory: URL, jobItemID: Int64) -> String {
        temporaryDirectory.path + "/\(prefix)\(jobItemID).part"
    }

    /// The job item a partial's file name belongs to (`item-12.part`, `item-12.part.meta`).
    static func jobItemID(ofFile name: String) -> Int64? {
        guard name.hasPrefix(prefix), let dot = name.firstIndex(of: ".") else { return nil }
        return Int64(name[name.index(name.startIndex, offsetBy: prefix.count)..<dot])
    }

    /// Removes the partials of items that are no longer open (finished, canceled, gone): what
    /// a crashed or stopped runner left for an item that another attempt has since settled.
    public static func sweep(_ temporaryDirectory: URL, store: any JobQueue) async throws {
        for name in try await closed(in: temporaryDirectory, store: store) {
            unlink(temporaryDirectory.appendingPathComponent(name).path)
        }
    }

    /// The names of the partials (and their validators) in the folder whose items no job will
    /// resume.
    public static func closed(in temporaryDirectory: URL, store: any JobQueue) async throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory.path)) ?? []
        let owned = names.compactMap { name in jobItemID(ofFile: name).map { (name, $0) } }
        guard !owned.isEmpty else { return [] }
        let open = try await store.openJobItems(Set(owned.map(\.1)))
        return owned.filter { !open.contains($0.1) }.map(\.0).sorted()
    }

    /// Whether a temp file's name is a job item's partial download (or its validator).
    public static func isPartial(_ name: String) -> Bool { jobItemID(ofFile: name) != nil }
}
