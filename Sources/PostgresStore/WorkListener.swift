import Logging
import PostgresNIO
import Synchronization

/// Wake-ups for idle workers: one connection of its own that LISTENs on the work channel, for
/// notifications whose payload is its schema (notified when a job is queued, items become claimable, a job is given back), so a
/// worker with nothing to do waits on it instead of asking the database. A dropped connection
/// is made again with backoff, and every waiter is woken when it is (what was notified
/// meanwhile is lost; the waiter looks for itself). Started on the first wait.
final class WorkListener: Sendable {
    private struct State {
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var next = 0
        var listening: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let channel: String
    private let schema: String
    private let connect: @Sendable () async throws -> PostgresConnection
    private let logger = Logger(label: "engine.store.postgres")

    init(channel: String, schema: String, connect: @escaping @Sendable () async throws -> PostgresConnection) {
        self.channel = channel
        self.schema = schema
        self.connect = connect
    }

    deinit { state.withLock { $0.listening }?.cancel() }

    func stop() { state.withLock { $0.listening }?.cancel() }

    /// Returns on the next notification, or after `timeout` (the fallback poll).
    func wait(timeout: Duration) async {
        startListening()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.notified() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func notified() async {
        let id = state.withLock { state in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    private func wakeAll() {
        let waiters = state.withLock { state in
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    private func startListening() {
        state.withLock { state in
            guard state.listening == nil else { return }
            state.listening = Task { [weak self] in await self?.listen() }
        }
    }

    private func listen() async {
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                let connection = try await connect()
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: channel) { notifications in
                    backoff = .milliseconds(250)
                    wakeAll()  // listening again: whatever happened while it was not, the waiters look
                    for try await notification in notifications where notification.payload == schema { wakeAll() }
                }
            } catch is CancellationError {
                return
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("listening for work failed; trying again", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(10))
        }
    }
}
