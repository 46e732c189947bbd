import ArgumentParser
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `engine worker`: a runner process. Runs queued jobs one after another and obeys their
/// commands until stopped; SIGTERM or SIGINT give in-flight items a grace period, then send
/// them back to the queue and leave the job paused (exit 143 after SIGTERM, 130 after SIGINT).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run queued jobs one after another until stopped (SIGTERM/SIGINT: clean stop).")

    @OptionGroup var data: DataDirOptions
    @Option(help: "Seconds in-flight items get to finish after SIGTERM/SIGINT before going back to the queue.")
    var grace: Double = 10
    @Flag(help: "Stop once no job is queued (instead of waiting for more).") var untilIdle = false

    func run() async throws {
        let host: RunnerHost
        do {
            host = try await RunnerHost.start(data.directory)
        } catch {
            Output.error("worker", "\(error)")
            throw EngineExit.cannotRun
        }
        let worker = WorkerService(host: host, directory: data.directory, grace: .milliseconds(Int(grace * 1000)), untilIdle: untilIdle)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: "engine.worker")))
        let signal = WorkerSignal()
        let watcher = SignalWatch.start(signal)
        defer { watcher.cancel() }
        do {
            try await group.run()
        } catch {
            await host.stop()
            throw error
        }
        await host.stop()
        if let received = signal.received { throw received == SIGTERM ? EngineExit.terminated : EngineExit.interrupted }
    }
}

/// Runs queued jobs until graceful shutdown.
struct WorkerService: Service {
    let host: RunnerHost
    let directory: DataDirectory
    let grace: Duration
    let untilIdle: Bool

    func run() async throws {
        let current = Mutex<JobRun?>(nil)
        let shuttingDown = Atomic<Bool>(false)
        var incomplete: [Int64: Int] = [:]
        try await withGracefulShutdownHandler {
            while !shuttingDown.load(ordering: .relaxed) {
                guard let job = try await host.store.nextQueuedJob() else {
                    if untilIdle { return }
                    try await host.store.workerHeartbeat(id: host.runner, jobID: nil, currentItem: nil, bytesPerSecond: nil)
                    try? await Task.sleep(for: .milliseconds(500))
                    continue
                }
                // One job's trouble (a graph that no longer parses, a cancel that came first, a
                // store error) is that job's, never the worker's.
                do {
                    let run = try JobAssembly.makeRun(job, store: host.store, directory: directory, runner: host.runner)
                    current.withLock { $0 = run }
                    if shuttingDown.load(ordering: .relaxed) { run.requestShutdown(grace: grace) }
                    Output.note("worker: running job \(job.id)")
                    let end = try await run.run(observer: QuietObserver(), from: [.queued])
                    current.withLock { $0 = nil }
                    Output.note("worker: job \(job.id) ended: \(end)")
                    incomplete[job.id] = end == .incomplete ? (incomplete[job.id] ?? 0) + 1 : nil
                    if (incomplete[job.id] ?? 0) >= 3 {
                        try await host.store.transitionJob(job.id, to: .paused, runner: nil, error: "still incomplete after 3 passes")
                        incomplete[job.id] = nil
                    }
                } catch is IllegalTransition {
                    current.withLock { $0 = nil }  // paused or canceled before this worker took it
                } catch {
                    current.withLock { $0 = nil }
                    Output.error("worker", "job \(job.id): \(error)")
                    if let latest = try? await host.store.job(job.id), !latest.status.isFinished {
                        _ = try? await host.store.transitionJob(job.id, to: latest.status == .queued ? .paused : .failed, runner: nil, error: "\(error)")
                    }
                }
            }
        } onGracefulShutdown: {
            shuttingDown.store(true, ordering: .relaxed)
            current.withLock { $0 }?.requestShutdown(grace: grace)
        }
    }
}

/// Counts nothing: a worker's progress is in the store (`engine jobs show`).
struct QuietObserver: GraphObserver {
    func graph(_ event: GraphEvent<MediaItem>) async {}
}

/// Which signal stopped the worker, for its exit code.
final class WorkerSignal: Sendable {
    private let value = Atomic<Int32>(0)
    func set(_ signal: Int32) { _ = value.compareExchange(expected: 0, desired: signal, ordering: .relaxed) }
    var received: Int32? {
        let signal = value.load(ordering: .relaxed)
        return signal == 0 ? nil : signal
    }
}

/// Notes SIGTERM/SIGINT (the service group handles them; this only remembers which came).
enum SignalWatch {
    static func start(_ signal: WorkerSignal) -> Task<Void, Never> {
        Task {
            for await received in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                signal.set(received == .sigterm ? SIGTERM : SIGINT)
            }
        }
    }
}
