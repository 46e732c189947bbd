import Engine
import Foundation
import Stages

/// `engine store migrate`'s copy: every table, parents first, from one store into another that
/// holds nothing but its seeded rows; then the target's generated keys reset past the copied
/// ones, and every table read back from both stores and compared (row count and the sum of
/// its rows' SHA-256s). A difference throws, and the target's transaction with it.
enum StoreMigration {
    struct Table {
        let name: String
        let rows: Int
    }

    enum Failure: Error, CustomStringConvertible {
        case targetNotEmpty(table: String, rows: Int)
        case schemaDiffers(table: String, source: [String], target: [String])
        case differs(table: String, sourceRows: Int, targetRows: Int)

        var description: String {
            switch self {
            case .targetNotEmpty(let table, let rows):
                "the target is not empty (table \(table) holds \(rows == StoreTables.chunk ? "\(rows) or more" : "\(rows)") rows): copy only into a new store"
            case .schemaDiffers(let table, let source, let target):
                "table \(table) has other columns in the target (\(Set(source).symmetricDifference(target).sorted().joined(separator: ", ")))"
            case .differs(let table, let sourceRows, let targetRows):
                sourceRows == targetRows
                    ? "table \(table) reads back different from the source (\(sourceRows) rows each): was the source written meanwhile?"
                    : "table \(table) has \(targetRows) rows in the target and \(sourceRows) in the source: was the source written meanwhile?"
            }
        }
    }

    /// Copies `source` into `target`; returns each table with its rows, as verified.
    static func copy(from source: any EngineStore, to target: any EngineStore, progress: (String) -> Void) async throws -> [Table] {
        var tables: [Table] = []
        try await target.importing { importer in
            tables = []  // a transaction tried again (a serialization conflict) starts over
            try await requireEmpty(importer)
            for (name, key) in StoreTables.all {
                let columns = try await source.copyColumns(of: name)
                let targetColumns = try await importer.copyColumns(of: name)
                guard Set(columns) == Set(targetColumns) else { throw Failure.schemaDiffers(table: name, source: columns, target: targetColumns) }
                try await source.copyRows(of: name, columns: columns, key: key) { rows in
                    try await importer.insertRows(into: name, columns: columns, rows: rows)
                }
            }
            try await importer.resetKeys()
            for (name, key) in StoreTables.all {
                let columns = try await source.copyColumns(of: name)
                let expected = try await digest(source, name, columns: columns, key: key)
                let copied = try await digest(importer, name, columns: columns, key: key)
                guard expected == copied else { throw Failure.differs(table: name, sourceRows: expected.rows, targetRows: copied.rows) }
                tables.append(Table(name: name, rows: expected.rows))
                progress("\(name): \(expected.rows) rows, verified")
            }
        }
        return tables
    }

    /// The target holds no rows but the backend every new store starts with (`library`),
    /// which is removed: the source's own backends come instead, with their ids.
    private static func requireEmpty(_ target: any StoreImporting) async throws {
        for (name, key) in StoreTables.all {
            let columns = try await target.copyColumns(of: name)
            try await target.copyRows(of: name, columns: columns, key: key) { rows in
                let seeded = name == "storage_backends" && rows.count == 1
                    && columns.firstIndex(of: "name").map { rows[0][$0] } == .text(LocalLibrary.backendName)
                if !seeded { throw Failure.targetNotEmpty(table: name, rows: rows.count) }
            }
        }
        try await target.clearTable("storage_backends")
    }

    /// The table's row count and the sum of its rows' SHA-256s (as four 64-bit lanes): the
    /// same whatever order the store lists them in (PostgreSQL orders text keys by the
    /// database's collation, SQLite by bytes). A real number that is whole counts as the
    /// integer it equals (SQLite may keep 3.0 in a numeric column as 3).
    private static func digest(_ store: any StoreCopying, _ table: String, columns: [String], key: [String]) async throws -> (rows: Int, sum: [UInt64]) {
        let hasher = try SHA256Hasher()
        var rows = 0
        var sum: [UInt64] = [0, 0, 0, 0]
        try await store.copyRows(of: table, columns: columns, key: key) { chunk in
            rows += chunk.count
            for row in chunk {
                var bytes: [UInt8] = []
                for value in row {
                    switch value {
                    case .null: bytes.append(0)
                    case .integer(let number): bytes += [1] + withUnsafeBytes(of: number.littleEndian, Array.init)
                    case .real(let number):
                        if number.rounded() == number, let whole = Int64(exactly: number) {
                            bytes += [1] + withUnsafeBytes(of: whole.littleEndian, Array.init)
                        } else {
                            bytes += [2] + withUnsafeBytes(of: number.bitPattern.littleEndian, Array.init)
                        }
                    case .text(let text):
                        let utf8 = Array(text.utf8)
                        bytes += [3] + withUnsafeBytes(of: UInt64(utf8.count).littleEndian, Array.init) + utf8
                    }
                }
                try hasher.update(bytes)
                let digest = try hasher.finalize().bytes
                for lane in 0..<4 {
                    let word = digest[(lane * 8)..<(lane * 8 + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    sum[lane] &+= word
                }
            }
        }
        return (rows, sum)
    }
}
