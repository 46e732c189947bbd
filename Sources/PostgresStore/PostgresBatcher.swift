import Engine
import Logging
import Synchronization

/// The writes a runner submits without waiting (steps, settles, transfer samples): run in the
/// order submitted, all that are waiting in one transaction, by one drain at a time. `flush`
/// returns once everything submitted before it is written. A write refused because its lease
/// has passed on is logged and the others go on; a statement that fails aborts PostgreSQL's
/// transaction, so that batch is run again one write per transaction.
final class PostgresBatcher: Sendable {
    typealias Write = @Sendable (Session) async throws -> Void

    private struct State {
        var pending: [Write] = []
        var draining = false
        var submitted = 0
        var written = 0
        var waiters: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    private let logger = Logger(label: "engine.store.postgres")

    /// Queues `write`; starts a drain through `run` (one transaction per call) when none is running.
    func submit(_ write: @escaping Write, run: @escaping @Sendable ([Write]) async -> Void) {
        let start = state.withLock { state in
            state.pending.append(write)
            state.submitted += 1
            defer { state.draining = true }
            return !state.draining
        }
        guard start else { return }
        Task {
            while true {
                let batch = state.withLock { state in
                    let batch = state.pending
                    state.pending = []
                    if batch.isEmpty { state.draining = false }
                    return batch
                }
                guard !batch.isEmpty else { return }
                await run(batch)
                let resumed = state.withLock { state in
                    state.written += batch.count
                    let written = state.written
                    let ready = state.waiters.filter { $0.upTo <= written }
                    state.waiters.removeAll { $0.upTo <= written }
                    return ready
                }
                for waiter in resumed { waiter.continuation.resume() }
            }
        }
    }

    /// Returns once every write submitted before the call is written (or failed and logged).
    func flush() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.written >= state.submitted { return true }
                state.waiters.append((state.submitted, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// A submitted write that was refused or failed: logged (a refusal only means a newer
    /// attempt owns the item).
    func log(_ error: any Error) {
        if case StoreError.leaseLost = error {
            logger.info("a late write was refused: a newer attempt owns the item", metadata: ["error": "\(error)"])
        } else {
            logger.error("a queued write failed", metadata: ["error": "\(error)"])
        }
    }
}

extension PostgresJobStore {
    /// Queues a write for the next batch.
    func submit(_ write: @escaping PostgresBatcher.Write) {
        batcher.submit(write) { [self] batch in await writeBatch(batch) }
    }

    /// The batch in one transaction; if a statement fails (PostgreSQL then refuses the rest of
    /// the transaction), the batch again, one transaction per write.
    /// While the server cannot be reached (a restart), the batch waits and is tried again, in
    /// order, for up to two minutes.
    private func writeBatch(_ batch: [PostgresBatcher.Write]) async {
        var pause = Duration.milliseconds(250), waited = Duration.zero
        while true {
            do {
                try await transaction { session in
                    for write in batch {
                        do {
                            try await write(session)
                        } catch StoreError.leaseLost(let id) {
                            batcher.log(StoreError.leaseLost(jobItemID: id))
                        }
                    }
                }
                return
            } catch let error as StoreError where error.isTransient && waited < .seconds(120) {
                batcher.log(error)
                try? await Task.sleep(for: pause)
                waited += pause
                pause = min(pause * 2, .seconds(5))
            } catch {
                break
            }
        }
        for write in batch {
            do {
                try await transaction { session in try await write(session) }
            } catch {
                batcher.log(error)
            }
        }
    }
}
