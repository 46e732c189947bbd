import GRDB

extension SQLiteJobStore: StoreImporting {
    public func copyColumns(of table: String) async throws -> [String] {
        try await pool.read { db in try db.columns(in: table).map(\.name) }
    }

    public func copyRows(of table: String, columns: [String], key: [String], body: ([[StoreValue]]) async throws -> Void) async throws {
        let list = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        let keyList = key.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
        try await StoreTables.walk(columns: columns, key: key, read: { after in
            try await pool.read { db in
                let condition = after == nil ? "" : "WHERE (\(keyList)) > (\(key.map { _ in "?" }.joined(separator: ", ")))"
                return try Row.fetchAll(
                    db, sql: "SELECT \(list) FROM \(table.quotedDatabaseIdentifier) \(condition) ORDER BY \(keyList) LIMIT \(StoreTables.chunk)",
                    arguments: StatementArguments((after ?? []).map(Self.databaseValue))
                ).map { row in (0..<columns.count).map { Self.storeValue(row[$0] as DatabaseValue) } }
            }
        }, body: body)
    }

    public func insertRows(into table: String, columns: [String], rows: [[StoreValue]]) async throws {
        let sql = """
            INSERT INTO \(table.quotedDatabaseIdentifier) (\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")))
            VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
            """
        try await writer.write { db in
            let statement = try db.cachedStatement(sql: sql)
            for row in rows { try statement.execute(arguments: StatementArguments(row.map(Self.databaseValue))) }
        }
    }

    public func clearTable(_ table: String) async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier)") }
    }

    /// An `INTEGER PRIMARY KEY` takes the highest one + 1 by itself.
    public func resetKeys() async throws {}

    public func importing(_ body: (any StoreImporting) async throws -> Void) async throws {
        try await body(self)
    }

    private static func storeValue(_ value: DatabaseValue) -> StoreValue {
        switch value.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
        }
    }

    private static func databaseValue(_ value: StoreValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .text(let text): text.databaseValue
        }
    }
}
