import Engine
import Foundation
import GRDB
import Testing
import TestSupport

/// A database the previous version wrote is migrated in place on open, after a consistent
/// copy of it is kept (`engine.sqlite.bak-<the migration it was at>`), and every row survives.
@Suite struct UpgradeTests {
    /// Every table's rows, each as text, over the columns the old database has (sorted: the
    /// same rows in any order).
    func rows(_ path: String, tables: [String: [String]]) throws -> [String: [String]] {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            var result: [String: [String]] = [:]
            for (table, columns) in tables {
                result[table] = try Row.fetchAll(db, sql: "SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \"\(table)\"")
                    .map { row in columns.map { "\(row[$0] as DatabaseValue)" }.joined(separator: "|") }.sorted()
            }
            return result
        }
    }

    @Test func thePreviousVersionsDatabaseMigratesWithEveryRowKept() async throws {
        let dir = try TemporaryDirectory("upgrade")
        let path = dir.file("engine.sqlite").path
        try FileManager.default.copyItem(atPath: Fixtures.packageRoot.appendingPathComponent("fixtures/db/v6-rendition-failures.sqlite").path, toPath: path)
        let tables: [String: [String]] = try await DatabaseQueue(path: path).read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            return try Dictionary(uniqueKeysWithValues: names.map { name in (name, try db.columns(in: name).map(\.name)) })
        }
        let before = try rows(path, tables: tables)
        #expect(before["items"]?.count == 10 && before["file_assets"]?.count == 21 && before["job_items"]?.count == 10, "\(before.mapValues(\.count))")

        let store = try SQLiteJobStore(path: path)
        #expect(try await store.libraryItems().count == 9)
        let after = try rows(path, tables: tables)
        // Every table as it was (the migrations table gains the new ones, checked below).
        for table in tables.keys.sorted() where table != "grdb_migrations" && after[table] != before[table] {
            Issue.record("\(table) changed: \(Set(before[table] ?? []).subtracting(after[table] ?? []).sorted().prefix(3)) became \(Set(after[table] ?? []).subtracting(before[table] ?? []).sorted().prefix(3))")
        }
        let backup = path + ".bak-v6-rendition-failures"
        #expect(try rows(backup, tables: tables) == before, "the copy taken first is the database as it was")
        let applied = try await DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied.last == SQLiteJobStore.schemaMigration)
        #expect(Set(before["grdb_migrations"] ?? []).isSubset(of: Set(after["grdb_migrations"] ?? [])))

        // Opened again, at the current migration: no second copy.
        _ = try SQLiteJobStore(path: path)
        let copies = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".bak-") }
        #expect(copies == ["engine.sqlite.bak-v6-rendition-failures"])
    }
}
