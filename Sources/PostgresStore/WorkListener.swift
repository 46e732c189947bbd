import Engine
import Logging
import PostgresNIO
import Synchronization

/// Wake-ups for idle workers: one connection of its own that LISTENs on the work channel, for
/// notifications whose payload is its schema (notified when a job is queued, items become claimable, a job is given back), so a
/// worker with nothing to do waits on it instead of asking the database. A dropped connection
/// is made again with backoff, and every waiter is woken when it is (what was notified
/// meanwhile is lost; the waiter looks for itself). Started on the first wait. A notification
/// while nobody waits makes the next wait return at once (`Doorbell`): it looks again.
final class WorkListener: Sendable {
    private let listening = Mutex<Task<Void, Never>?>(nil)
    private let bell = Doorbell()
    private let channel: String
    private let schema: String
    private let connect: @Sendable () async throws -> PostgresConnection
    private let logger = Logger(label: "engine.store.postgres")

    init(channel: String, schema: String, connect: @escaping @Sendable () async throws -> PostgresConnection) {
        self.channel = channel
        self.schema = schema
        self.connect = connect
    }

    deinit { listening.withLock { $0 }?.cancel() }

    func stop() { listening.withLock { $0 }?.cancel() }

    /// Returns on the next notification, or after `timeout` (the fallback poll).
    func wait(timeout: Duration) async {
        startListening()
        try? await bell.wait(upTo: timeout)
    }

    private func startListening() {
        listening.withLock { listening in
            guard listening == nil else { return }
            listening = Task { [weak self] in await self?.listen() }
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
                    bell.ring()  // listening again: whatever happened while it was not, the waiters look
                    for try await notification in notifications where notification.payload == schema { bell.ring() }
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
