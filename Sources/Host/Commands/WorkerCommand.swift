import ArgumentParser
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Stages
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
        let settings = data.settings()
        let host: RunnerHost
        do {
            host = try await RunnerHost.start(settings)
        } catch {
            Output.error("worker", "\(error)")
            throw EngineExit.cannotRun
        }
        let worker = WorkerService(host: host, directory: settings.directory, grace: .milliseconds(Int(grace * 1000)), untilIdle: untilIdle)
        try await ServiceRun.run([worker], host: host, logger: Logger(label: "engine.worker"))
    }
}

/// Runs queued jobs until graceful shutdown: one at a time in each job lane, so a
/// `collect_only` or `reprocess` job runs beside a download.
struct WorkerService: Service {
    let host: RunnerHost
    let directory: DataDirectory
    let grace: Duration
    let untilIdle: Bool

    /// The job each lane runs now, and whether the worker is stopping.
    final class Lanes: Sendable {
        let current = Mutex<[JobLane: JobRun]>([:])
        let shuttingDown = Atomic<Bool>(false)

        /// `body` with `run` as the lane's current job: a shutdown under way, or one that
        /// comes meanwhile, reaches it.
        func hold<T>(_ run: JobRun, in lane: JobLane, grace: Duration, _ body: () async throws -> T) async throws -> T {
            current.withLock { $0[lane] = run }
            defer { current.withLock { $0[lane] = nil } }
            if shuttingDown.load(ordering: .relaxed) { run.requestShutdown(grace: grace) }
            return try await body()
        }
    }

    func run() async throws {
        let lanes = Lanes()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in JobLane.allCases {
                    group.addTask { try await runLane(lane, lanes) }
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            lanes.shuttingDown.store(true, ordering: .relaxed)
            for run in lanes.current.withLock({ Array($0.values) }) { run.requestShutdown(grace: grace) }
        }
    }

    private func runLane(_ lane: JobLane, _ lanes: Lanes) async throws {
        let runner = try await host.runner(for: lane)
        var incomplete: [Int64: Int] = [:]
        while !lanes.shuttingDown.load(ordering: .relaxed) {
            let next: JobRecord?
            do {
                next = try await host.store.nextQueuedJob(types: lane.types)
            } catch {
                try await idleAfter(error, lane: lane)
                continue
            }
            guard let job = next else {
                do {
                    // A shared store: jobs whose owner stopped answering go back to the queue, and
                    // a running job of another owner with items to claim is helped.
                    if host.shared { try await host.store.releaseOrphanedJobs(staleAfter: JobRunSettings().leaseDuration) }
                    let helping = host.shared ? try await help(lane, lanes, runner: runner) : .none
                    if helping == .helped { continue }
                    if untilIdle, helping == .none { return }
                    try await host.store.workerHeartbeat(id: runner, jobID: nil, currentItem: nil, bytesPerSecond: nil)
                    // A shared store notifies idle workers (a slow poll is the fallback); SQLite is polled.
                    let wait: Duration = host.shared ? (helping == .later ? .milliseconds(500) : .seconds(5)) : .milliseconds(500)
                    await cancelWhenGracefulShutdown { await host.store.waitForWork(timeout: wait) }
                } catch {
                    try await idleAfter(error, lane: lane)
                }
                continue
            }
            // One job's trouble (a graph that no longer parses, a cancel that came first, a
            // store error) is that job's, never the worker's.
            do {
                let run = try await JobAssembly.makeRun(job, store: host.store, directory: directory, runner: runner, shared: host.shared)
                Output.note("worker: running job \(job.id) (\(lane.rawValue) lane)")
                let logger = Logger(label: "engine.worker")
                logger.info("job started", metadata: ["job.id": "\(job.id)", "job.type": "\(job.type.rawValue)", "runner": "\(runner)"])
                let observer = IngestObserver()  // logs each item's outcome (the log file keeps them)
                let following = host.followUps.follow(job)
                let end: JobRunEnd
                do {
                    end = try await lanes.hold(run, in: lane, grace: grace) { try await run.run(observer: observer, from: [.queued]) }
                } catch {
                    await following.end()
                    throw error
                }
                await following.end()
                let tally = observer.snapshot
                logger.info("job ended", metadata: [
                    "job.id": "\(job.id)", "end": "\(end)", "collected": "\(tally.collected)", "stored": "\(tally.stored)",
                    "failed": "\(tally.failedCount)",
                ])
                Output.note("worker: job \(job.id) ended: \(end)")
                incomplete[job.id] = end == .incomplete ? (incomplete[job.id] ?? 0) + 1 : nil
                if (incomplete[job.id] ?? 0) >= 3 {
                    try await host.store.transitionJob(job.id, to: .paused, runner: nil, error: "still incomplete after 3 passes")
                    incomplete[job.id] = nil
                }
            } catch is IllegalTransition {
                // paused or canceled before this worker took it
            } catch {
                Output.error("worker", "job \(job.id): \(error)")
                if let latest = try? await host.store.job(job.id), !latest.status.isFinished {
                    _ = try? await host.store.transitionJob(job.id, to: latest.status == .queued ? .paused : .failed, runner: nil, error: "\(error)")
                }
            }
        }
    }
}

extension WorkerService {
    /// A store that could not be reached from an idle lane (a restarting server): logged, and
    /// the lane tries again in a second; any other error ends the lane.
    private func idleAfter(_ error: any Error, lane: JobLane) async throws {
        guard let error = error as? StoreError, error.isTransient else { throw error }
        Logger(label: "engine.worker").warning("the store cannot be reached; trying again", metadata: ["lane": "\(lane.rawValue)", "error": "\(error)"])
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
    }

    enum Helping { case helped, later, none }

    /// On a shared store, with no job queued: works beside the owner of a running job of the
    /// lane that has items to claim (the oldest such job): `.helped` once it did, `.later` when
    /// a running job may have items soon (still collecting, or retries waiting), `.none` when
    /// no running job of the lane has any left.
    private func help(_ lane: JobLane, _ lanes: Lanes, runner: String) async throws -> Helping {
        let own = Set(JobLane.allCases.map(host.laneRunner))
        var later = false
        for job in try await host.store.jobs(in: [.running]) where lane.types.contains(job.type) && !own.contains(job.runner ?? "") {
            let counters = try await host.store.counters(jobID: job.id)
            guard counters[.pending] + counters[.interrupted] - counters.waitingToRetry > 0 else {
                later = later || !job.collectionDone || counters.waitingToRetry > 0
                continue
            }
            do {
                let run = try await JobAssembly.makeRun(job, store: host.store, directory: directory, runner: runner, shared: true)
                Output.note("worker: helping with job \(job.id) (\(lane.rawValue) lane)")
                let end = try await lanes.hold(run, in: lane, grace: grace) { try await run.help(observer: IngestObserver()) }
                Logger(label: "engine.worker").info("helped", metadata: ["job.id": "\(job.id)", "end": "\(end)", "runner": "\(runner)"])
            } catch is IllegalTransition {
                // it stopped running meanwhile
            } catch {
                Output.error("worker", "helping with job \(job.id): \(error)")
            }
            return .helped
        }
        return later ? .later : .none
    }
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
