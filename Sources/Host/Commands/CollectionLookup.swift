import Engine
import Foundation

/// Collections named on a command line, in the order given: by id, or by name — a title or
/// locator, exactly (a number that is no collection's id is taken as a name: an album called
/// "1989"; a name several collections share is refused with their ids: exit 2).
enum CollectionLookup {
    static func find(_ names: [String], store: any EngineStore, command: String) async throws -> [CollectionRow] {
        var found: [CollectionRow] = []
        for name in names {
            let row: CollectionRow
            if let id = Int64(name), let byID = try await store.collections(ids: [id]).first {
                row = byID
            } else {
                let candidates = try await store.collections(CollectionFilter(keyword: name), limit: Int(Int32.max)).rows
                let matches = candidates.filter { $0.title == name || $0.locator == name }
                guard let only = matches.first else {
                    Output.error(command, "no collection is named '\(name)' (`engine collections \(name)` lists those whose name contains it)")
                    throw EngineExit.usage
                }
                guard matches.count == 1 else {
                    Output.error(command, "'\(name)' names \(matches.count) collections (ids \(matches.map { String($0.id) }.joined(separator: ", "))): give one by id")
                    throw EngineExit.usage
                }
                row = only
            }
            if !found.contains(where: { $0.id == row.id }) { found.append(row) }
        }
        return found
    }

    /// `rows` again from the store (their status now), in the same order.
    static func refreshed(_ rows: [CollectionRow], store: any EngineStore) async throws -> [CollectionRow] {
        let now = try await store.collections(ids: rows.map(\.id))
        return rows.compactMap { row in now.first { $0.id == row.id } }
    }
}
