import GRDB
import Synchronization

/// Group commit: writes submitted while a transaction is running are queued and then run
/// together in the next one, each inside its own savepoint (one failing write does not undo
/// the others). A caller resumes only after the transaction holding its write has committed.
/// Under load this turns thousands of small transactions into a few dozen.
final class BatchedWriter: Sendable {
    private struct Job: Sendable {
        let execute: @Sendable (Database) -> Void
        let complete: @Sendable ((any Error)?) -> Void
    }

    private let pool: DatabasePool
    private let state = Mutex<(pending: [Job], flushing: Bool)>(([], false))
    private let commits = Atomic<Int>(0)

    /// Transactions committed so far: with group commit, far fewer than writes under load.
    var committedTransactions: Int { commits.load(ordering: .relaxed) }

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let box = ResultBox<T>()
            let job = Job(
                execute: { db in
                    box.result = Result {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        return value!
                    }
                },
                complete: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else {
                        continuation.resume(with: box.result ?? .failure(StoreError.writeNotRun))
                    }
                })
            enqueue(job)
        }
    }

    /// Queues a write for the next group commit without waiting for it; `failed` hears its
    /// error, if any. Writes run in the order they were queued, so a later `write` that
    /// returns has everything queued before it committed (or failed) too.
    /// `body` must change nothing when it throws (one statement, or a check before any
    /// change): it runs without a savepoint of its own.
    func submit(_ body: @escaping @Sendable (Database) throws -> Void, failed: @escaping @Sendable (any Error) -> Void) {
        let job = Job(
            execute: { db in
                do {
                    try body(db)
                } catch {
                    failed(error)
                }
            },
            complete: { commitError in if let commitError { failed(commitError) } })
        enqueue(job)
    }

    /// Queues `job`; the first job queued while no flush runs starts one.
    private func enqueue(_ job: Job) {
        let startFlush = state.withLock { state in
            state.pending.append(job)
            defer { state.flushing = true }
            return !state.flushing
        }
        if startFlush { Task { await flush() } }
    }

    private func flush() async {
        while true {
            let batch = state.withLock { state in
                defer { state.pending.removeAll() }
                if state.pending.isEmpty { state.flushing = false }
                return state.pending
            }
            if batch.isEmpty { return }
            do {
                try await pool.write { db in
                    for job in batch {
                        // An error that makes SQLite roll back the whole transaction (disk full,
                        // I/O) must not let the rest of the batch run outside it.
                        guard db.isInsideTransaction else { throw StoreError.batchRolledBack }
                        job.execute(db)
                    }
                }
                commits.add(1, ordering: .relaxed)
                for job in batch { job.complete(nil) }
            } catch {
                for job in batch { job.complete(error) }
            }
        }
    }
}

/// A write's result, set on the writer's queue and read after the commit, in that order.
/// @unchecked Sendable: the flush sequence (execute, then complete) orders the two accesses.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
