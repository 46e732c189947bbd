public import Engine
import Foundation
import PostgresNIO

/// The writes that end or mark an attempt, each conditional on the attempt's lease token: a
/// batch of them is at most three statements (steps, transfer samples, settles), whatever
/// its size, the rows passed as one JSON array.
extension PostgresJobStore {
    public func settle(_ lease: ItemLease, _ outcome: ItemOutcome) async throws {
        let lost = try await transaction { session in try await Self.write(session, [.settle(lease, outcome)]) }
        if let id = lost.first { throw StoreError.leaseLost(jobItemID: id) }
    }

    public func submitSteps(_ steps: [(lease: ItemLease, step: String)]) {
        submit(steps.map { .step($0.lease, $0.step) })
    }

    public func submitSettle(_ lease: ItemLease, _ outcome: ItemOutcome) {
        submit([.settle(lease, outcome)])
    }

    public func submitTransfers(_ samples: [TransferSample]) {
        submit(samples.map { .transfer($0) })
    }

    public func flush() async throws {
        await batcher.flush()
    }

    /// Writes `batch`: steps and transfer samples first (they change nothing once an attempt
    /// has ended), then the settles. Returns the job items whose settle was refused because
    /// the lease has passed on (nothing was written for them).
    static func write(_ session: Session, _ batch: [QueuedWrite]) async throws -> [Int64] {
        // The newest step and sample of each attempt; none for an attempt the batch ends
        // (a step taken just before its settle and submitted after it changes nothing).
        var steps: [Int64: StepRow] = [:], transfers: [Int64: TransferRow] = [:], settles: [SettleRow] = []
        for write in batch {
            switch write {
            case .step(let lease, let step): steps[lease.jobItemID] = StepRow(id: lease.jobItemID, token: lease.token, step: step)
            case .transfer(let sample):
                transfers[sample.lease.jobItemID] = TransferRow(
                    id: sample.lease.jobItemID, token: sample.lease.token, bytes: sample.bytes, expected: sample.expected)
            case .settle(let lease, let outcome): settles.append(SettleRow(lease, outcome))
            }
        }
        for settle in settles {
            if steps[settle.id]?.token == settle.token { steps[settle.id] = nil }
            if transfers[settle.id]?.token == settle.token { transfers[settle.id] = nil }
        }
        if !steps.isEmpty {
            try await session.execute(
                """
                UPDATE job_items j SET current_step = v.step
                FROM jsonb_to_recordset(\(try json(Array(steps.values)))::jsonb) AS v(id bigint, token text, step text)
                WHERE j.id = v.id AND j.lease_token = v.token AND j.status = 'running'
                """)
        }
        if !transfers.isEmpty {
            try await session.execute(
                """
                UPDATE job_items j SET bytes = v.bytes, bytes_expected = v.expected
                FROM jsonb_to_recordset(\(try json(Array(transfers.values)))::jsonb) AS v(id bigint, token text, bytes bigint, expected bigint)
                WHERE j.id = v.id AND j.lease_token = v.token AND j.status = 'running'
                """)
        }
        guard !settles.isEmpty else { return [] }
        // One statement: the guarded update, then for the attempts it ended a failed try's
        // record and a failed catalog item (the catalog item otherwise keeps what it is: a
        // stored item stays succeeded when a rerun skips it).
        let settled = try await session.rows(
            """
            WITH v AS (
                SELECT * FROM jsonb_to_recordset(\(try json(settles))::jsonb) AS v(id bigint, token text, status text, error text,
                    kind text, retry_after float8, bytes bigint, open boolean, gives_back boolean, attempt text)),
            settled AS (
                UPDATE job_items j SET status = v.status, last_error = v.error, error_kind = v.kind,
                    next_attempt_at = \(unescaped: now) + v.retry_after, bytes = coalesce(v.bytes, j.bytes),
                    finished_at = CASE WHEN v.open THEN NULL ELSE \(unescaped: now) END,
                    attempts = CASE WHEN v.gives_back THEN j.attempts - 1 ELSE j.attempts END,
                    lease_holder = NULL, lease_token = NULL, lease_expires_at = NULL
                FROM v WHERE j.id = v.id AND j.lease_token = v.token AND j.status = 'running'
                RETURNING j.id, j.attempts, j.next_attempt_at, j.item_id, v.status, v.error, v.kind, v.open, v.attempt),
            tries AS (
                INSERT INTO job_item_attempts (job_item_id, attempt, ended_at, outcome, error, error_kind, retry_at)
                SELECT id, attempts, \(unescaped: now), attempt, error, kind, next_attempt_at FROM settled WHERE attempt IS NOT NULL),
            failed AS (
                UPDATE items i SET status = 'failed', last_error = s.error, updated_at = \(unescaped: PostgresMigrations.textNow)
                FROM settled s WHERE i.id = s.item_id AND s.status = 'failed')
            SELECT id, open FROM settled
            """)
        // An item that can be claimed again wakes the workers.
        if try settled.contains(where: { try $0["open"] as Bool }) { try await notifyWork(session) }
        let done = Set(try settled.map { try $0["id"] as Int64 })
        return settles.map(\.id).filter { !done.contains($0) }
    }

    private static func json(_ rows: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }
}

private struct StepRow: Encodable {
    let id: Int64, token: String, step: String
}

private struct TransferRow: Encodable {
    let id: Int64, token: String, bytes: Int64, expected: Int64?
}

/// A settle as the statement takes it: the item's new status and what goes with it.
private struct SettleRow: Encodable {
    let id: Int64, token: String, status: String
    var error: String?, kind: String?, retry_after: Double?, bytes: Int64?
    /// The item can be claimed again (its finish time is cleared).
    let open: Bool
    /// A try that was released or stopped cleanly (a pause, a shutdown) did not fail: it uses up no attempt.
    let gives_back: Bool
    /// The outcome recorded among the item's failed tries (`failed`, `retry`), if any.
    var attempt: String?

    init(_ lease: ItemLease, _ outcome: ItemOutcome) {
        var status = ItemStatus.pending
        switch outcome {
        case .succeeded(let count): (status, bytes) = (.succeeded, count)
        case .failed(let message, let kind): (status, error, self.kind, attempt) = (.failed, message, kind?.rawValue, "failed")
        case .retry(let message, let kind, let after):
            (error, self.kind, retry_after, attempt) = (message, kind?.rawValue, after.seconds, "retry")
        case .skipped(let reason): (status, error) = (.skipped, reason)
        case .canceled: status = .canceled
        case .interrupted: status = .interrupted
        case .released: break
        }
        error = error.map(Redaction.scrub)
        (id, token, self.status) = (lease.jobItemID, lease.token, status.rawValue)
        open = status == .interrupted || status == .pending
        gives_back = outcome == .released || outcome == .interrupted
    }
}
