public import Engine
import Foundation
import PostgresNIO

/// The store's rows for `engine store migrate`: read in keyset chunks; written, within one
/// transaction, a chunk per statement (`jsonb_populate_recordset` turns each value into its
/// column's type: SQLite's 0/1 into a boolean).
extension PostgresJobStore {
    public func copyColumns(of table: String) async throws -> [String] {
        try await connection { session in try await Self.columns(session, table) }
    }

    public func copyRows(of table: String, columns: [String], key: [String], body: ([[StoreValue]]) async throws -> Void) async throws {
        try await StoreTables.walk(columns: columns, key: key, read: { after in
            try await connection { session in try await Self.rows(session, table, columns: columns, key: key, after: after) }
        }, body: body)
    }

    public func importing(_ body: (any StoreImporting) async throws -> Void) async throws {
        try await transaction { session in try await body(Importer(session: session)) }
    }

    /// Writes through the transaction's connection.
    private struct Importer: StoreImporting {
        let session: Session

        func copyColumns(of table: String) async throws -> [String] { try await PostgresJobStore.columns(session, table) }

        func copyRows(of table: String, columns: [String], key: [String], body: ([[StoreValue]]) async throws -> Void) async throws {
            try await StoreTables.walk(columns: columns, key: key, read: { after in
                try await PostgresJobStore.rows(session, table, columns: columns, key: key, after: after)
            }, body: body)
        }

        func insertRows(into table: String, columns: [String], rows: [[StoreValue]]) async throws {
            guard !rows.isEmpty else { return }
            let objects = rows.map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }
            let json = String(decoding: try JSONEncoder().encode(objects), as: UTF8.self)
            let list = columns.map(quoted).joined(separator: ", ")
            try await session.execute(
                PostgresQuery(
                    unsafeSQL: "INSERT INTO \(quoted(table)) (\(list)) SELECT \(list) FROM jsonb_populate_recordset(NULL::\(quoted(table)), $1::jsonb)",
                    binds: try binds(json)))
        }

        func clearTable(_ table: String) async throws {
            try await session.execute(PostgresQuery(unsafeSQL: "DELETE FROM \(quoted(table))"))
        }

        func resetKeys() async throws {
            for table in StoreTables.generatedKeys {
                try await session.execute(
                    PostgresQuery(
                        unsafeSQL: "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), coalesce(max(id), 0) + 1, false) FROM \(quoted(table))"))
            }
        }

        private func binds(_ json: String) throws -> PostgresBindings {
            var binds = PostgresBindings()
            binds.append(json)
            return binds
        }
    }

    static func columns(_ session: Session, _ table: String) async throws -> [String] {
        try await session.rows(
            """
            SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)
            ORDER BY ordinal_position
            """
        ).map { try $0["column_name"] as String }
    }

    /// Up to a chunk of the table's rows after the key `after`, in key order.
    static func rows(_ session: Session, _ table: String, columns: [String], key: [String], after: [StoreValue]?) async throws -> [[StoreValue]] {
        var binds = PostgresBindings()
        var condition = ""
        if let after {
            var placeholders: [String] = []
            for value in after {
                switch value {
                case .null: placeholders.append("NULL")
                case .integer(let number): binds.append(number)
                case .real(let number): binds.append(number)
                case .text(let text): binds.append(text)
                }
                if value != .null { placeholders.append("$\(binds.count)") }
            }
            condition = "WHERE (\(key.map(quoted).joined(separator: ", "))) > (\(placeholders.joined(separator: ", ")))"
        }
        let sql = """
            SELECT \(columns.map(quoted).joined(separator: ", ")) FROM \(quoted(table)) \(condition)
            ORDER BY \(key.map(quoted).joined(separator: ", ")) LIMIT \(StoreTables.chunk)
            """
        return try await session.rows(PostgresQuery(unsafeSQL: sql, binds: binds)).map { row in
            try (0..<columns.count).map { try storeValue(row.raw[$0], column: columns[$0]) }
        }
    }

    private static func storeValue(_ cell: PostgresCell, column: String) throws -> StoreValue {
        guard cell.bytes != nil else { return .null }
        do {
            switch cell.dataType {
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
            default: throw StoreError.database("column '\(column)' has a type the copy does not know (\(cell.dataType))")
            }
        } catch let error as PostgresDecodingError {
            throw StoreError.database("a value of column '\(error.columnName)' read from PostgreSQL did not decode (\(error.code))")
        }
    }
}

/// An identifier in double quotes (the names come from the schema, never from input).
private func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
