/// Why the store could not open or do what was asked.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The database was written by a newer MediaEngine (it has migrations this one lacks).
    case databaseTooNew(path: String, unknownMigrations: [String])
    case unknownMigration(String, known: [String])
    case cannotOpen(path: String, reason: String)
    case notFound(String)
    /// SQLite rolled back the whole batch (disk full, I/O error): nothing of it was written.
    case batchRolledBack
    /// The batch holding the write ended (committed) without running it: a defect of the writer.
    case writeNotRun
    /// The item's lease passed to another attempt (expired, rescued, released): the write was refused.
    case leaseLost(jobItemID: Int64)
    /// A job, command or item that does not exist.
    case noSuchJob(Int64)
    /// What was asked clashes with what the store holds (a name in use, locations still there).
    case conflict(String)
    /// A database server refused a statement (its message).
    case database(String)
    /// A database server could not be reached or dropped the connection (restarting, say):
    /// trying again later may work.
    case unavailable(String)

    /// Worth trying again after a pause: the store was unreachable, not wrong.
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .databaseTooNew(let path, let unknown):
            "\(path) was written by a newer version of MediaEngine (unknown migrations: "
                + "\(unknown.joined(separator: ", "))); upgrade MediaEngine to open it"
        case .cannotOpen(let path, let reason): "cannot open database \(path): \(reason)"
        case .unknownMigration(let name, let known): "no migration '\(name)' (known: \(known.joined(separator: ", ")))"
        case .notFound(let what): "\(what) not found"
        case .batchRolledBack: "the database rolled back the transaction (disk full or I/O error); nothing was written"
        case .leaseLost(let id): "job item \(id): its lease has passed to another attempt; this attempt's write was refused"
        case .noSuchJob(let id): "no job \(id)"
        case .conflict(let what): what
        case .database(let message), .unavailable(let message): message
        case .writeNotRun: "the store committed a batch without running one of its writes; nothing of that write was stored"
        }
    }
}
