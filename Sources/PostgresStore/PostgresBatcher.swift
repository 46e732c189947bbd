import Engine
import Logging
import Synchronization

/// A write a runner submits without waiting for it.
enum QueuedWrite: Sendable {
    case step(ItemLease, String)
    case settle(ItemLease, ItemOutcome)
    case transfer(TransferSample)
}

/// The writes a runner submits without waiting (steps, settles, transfer samples): all that
/// are waiting are written in one transaction of at most three statements, by one drain at a
/// time. `flush` returns once everything submitted before it is written. A write refused
/// because its lease has passed on is logged and the others go on.
final class PostgresBatcher: Sendable {
    private struct State {
        var pending: [QueuedWrite] = []
        var draining = false
        var submitted = 0
        var written = 0
        var waiters: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    private let logger = Logger(label: "engine.store.postgres")

    /// Queues `writes`; starts a drain through `run` (one batch per call) when none is running.
    func submit(_ writes: [QueuedWrite], run: @escaping @Sendable ([QueuedWrite]) async -> Void) {
        let start = state.withLock { state in
            state.pending += writes
            state.submitted += writes.count
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
    /// Queues writes for the next batch.
    func submit(_ writes: [QueuedWrite]) {
        guard !writes.isEmpty else { return }
        batcher.submit(writes) { [self] batch in await writeBatch(batch) }
    }

    /// The batch in one transaction; if a statement fails (PostgreSQL then refuses the rest of
    /// the transaction), the batch again, one transaction per write.
    /// While the server cannot be reached (a restart), the batch waits and is tried again
    /// for up to two minutes.
    private func writeBatch(_ batch: [QueuedWrite]) async {
        var pause = Duration.milliseconds(250), waited = Duration.zero
        while true {
            do {
                let lost = try await transaction { session in try await Self.write(session, batch) }
                for id in lost { batcher.log(StoreError.leaseLost(jobItemID: id)) }
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
                let lost = try await transaction { session in try await Self.write(session, [write]) }
                for id in lost { batcher.log(StoreError.leaseLost(jobItemID: id)) }
            } catch {
                batcher.log(error)
            }
        }
    }
}
