/// A value of a stored row as both stores hold it: what `engine store migrate` copies. A
/// PostgreSQL boolean reads as 0 or 1, as SQLite keeps it.
public enum StoreValue: Sendable, Hashable, Encodable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        }
    }
}

/// A store's rows, table by table (`engine store migrate` reads them).
public protocol StoreCopying: Sendable {
    /// The table's columns in this store's schema.
    func copyColumns(of table: String) async throws -> [String]
    /// Calls `body` with the table's rows (the `columns` named), ordered by `key`, a chunk at
    /// a time (a keyset walk: no chunk reads the ones before it again).
    func copyRows(of table: String, columns: [String], key: [String], body: ([[StoreValue]]) async throws -> Void) async throws
}

/// A store being written by `engine store migrate`.
public protocol StoreImporting: StoreCopying {
    func insertRows(into table: String, columns: [String], rows: [[StoreValue]]) async throws
    /// Removes the table's rows (the seeded ones a new store starts with).
    func clearTable(_ table: String) async throws
    /// After the rows are in: the next generated keys follow the highest copied ones.
    func resetKeys() async throws
}

/// Every table of a store, parents before children (the order their rows can be inserted in),
/// each with its primary key. The schema bookkeeping (`grdb_migrations`,
/// `engine_migrations`) is each store's own and is not copied.
package enum StoreTables {
    public static let all: [(name: String, key: [String])] = [
        ("sources", ["id"]), ("collections", ["id"]), ("items", ["id"]), ("creators", ["id"]),
        ("item_creators", ["item_id", "position"]), ("collection_items", ["collection_id", "item_id"]),
        ("storage_backends", ["id"]), ("file_assets", ["id"]), ("item_assets", ["item_id", "asset_id"]),
        ("file_locations", ["id"]), ("processor_results", ["id"]), ("job_runs", ["id"]),
        ("job_inputs", ["job_id", "position"]), ("job_stages", ["job_id", "name"]), ("job_items", ["id"]),
        ("job_workers", ["id"]), ("job_commands", ["id"]), ("job_events", ["id"]),
        ("content_claims", ["backend_id", "content_key"]), ("job_item_attempts", ["id"]),
        ("rendition_failures", ["original_sha256", "profile"]), ("upload_tasks", ["id"]),
        ("upload_parts", ["task_id", "part_number"]), ("job_item_source_failures", ["id"]),
        ("source_slots", ["source", "job_item_id"]), ("job_hooks", ["job_id", "hook"]),
        ("package_imports", ["package"]),
    ]

    /// Tables whose rows hold a generated `id` key (sequences to reset after a copy).
    public static var generatedKeys: [String] { all.filter { $0.key == ["id"] && $0.name != "job_workers" }.map(\.name) }

    /// Rows per chunk of a copy.
    public static let chunk = 2_000

    /// A keyset walk over a table: `read` gets the key of the last row so far (nil at first)
    /// and returns up to a chunk of the rows after it, in key order; `body` gets each chunk.
    public static func walk(
        columns: [String], key: [String], read: ([StoreValue]?) async throws -> [[StoreValue]],
        body: ([[StoreValue]]) async throws -> Void
    ) async throws {
        let keyIndexes = key.compactMap { columns.firstIndex(of: $0) }
        guard keyIndexes.count == key.count else { throw StoreError.database("the copy reads no key column of \(key.joined(separator: ", "))") }
        var last: [StoreValue]?
        while true {
            let rows = try await read(last)
            guard let final = rows.last else { return }
            last = keyIndexes.map { final[$0] }
            try await body(rows)
            if rows.count < chunk { return }
        }
    }
}
