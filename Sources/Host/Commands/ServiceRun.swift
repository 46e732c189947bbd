import Foundation
import Logging
import ServiceLifecycle

/// Runs `services` as one ServiceGroup until they end, or until SIGTERM or SIGINT shuts them
/// down gracefully (`engine worker`, `engine serve`); then stops the runner host, if any. The
/// signal that stopped them becomes the exit code (143, 130).
enum ServiceRun {
    static func run(_ services: [any Service], host: RunnerHost?, logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let signal = WorkerSignal()
        let watcher = SignalWatch.start(signal)
        defer { watcher.cancel() }
        do {
            try await group.run()
        } catch {
            await host?.stop()
            throw error
        }
        await host?.stop()
        if let received = signal.received { throw received == SIGTERM ? EngineExit.terminated : EngineExit.interrupted }
    }
}
