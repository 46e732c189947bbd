import Engine
import Stages

/// `engine --version`: the program, the schema it writes and the libraries it runs on.
enum ProgramVersion {
    static let number = "0.12.0"

    static var text: String {
        [
            "engine \(number)",
            "schema \(SQLiteJobStore.schemaMigration)",
            "libav \(RuntimeVersions.libav)",
            "libcurl \(RuntimeVersions.libcurl)",
            "sqlite \((try? SQLiteJobStore.sqliteVersion()) ?? "unknown")",
        ].joined(separator: "\n")
    }
}
