import Console
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The embedded runner of `engine serve`, supervised: when its loop throws, the error is
/// logged and the loop starts again after a backoff (0.5 s, doubling to 30 s), so queued work
/// still completes and the console never goes on serving while nothing executes. Its state
/// (`/healthz`) says which.
final class SupervisedRunner: Service, Sendable {
    let worker: WorkerService
    private let status = Mutex(RunnerStatus(state: .running))
    /// A test-only hook: `ENGINE_TEST_RUNNER_FAULTS=N` makes the loop's first N starts fail
    /// (the supervised-runner test).
    private let faults: Atomic<Int>
    private let logger = Logger(label: "engine.serve")

    init(worker: WorkerService, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.worker = worker
        faults = Atomic(environment["ENGINE_TEST_RUNNER_FAULTS"].flatMap(Int.init) ?? 0)
    }

    var current: RunnerStatus { status.withLock { $0 } }

    func run() async throws {
        var backoff = Duration.milliseconds(500)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                status.withLock { $0.state = .running }
                if faults.subtract(1, ordering: .relaxed).newValue >= 0 { throw InjectedFault() }
                try await worker.run()
                break  // a graceful shutdown
            } catch {
                guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
                Counter(label: "engine_runner_restarts_total").increment()
                let restarts = status.withLock { status in
                    status.state = .restarting
                    status.restarts += 1
                    status.lastError = "\(error)"
                    return status.restarts
                }
                logger.error("the runner's loop failed; it starts again", metadata: [
                    "error": "\(error)", "restarts": "\(restarts)", "backoff": "\(backoff)",
                ])
                let pause = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                backoff = min(backoff * 2, .seconds(30))
            }
        }
        status.withLock { $0.state = .stopped }
    }
}

/// The failure `ENGINE_TEST_RUNNER_FAULTS` injects.
struct InjectedFault: Error, CustomStringConvertible {
    var description: String { "a fault injected for a test (ENGINE_TEST_RUNNER_FAULTS)" }
}
