import Engine
import Foundation

/// What a process that runs jobs holds: the data directory's runner lock (one runner per
/// data directory; a second gets the holder's pid), the store, and its runner id, registered
/// as a worker. Starting it recovers what a dead runner left: its temp files, its running
/// items (interrupted, requeued) and its jobs (paused).
final class RunnerHost: Sendable {
    let store: any EngineStore
    let runner: String
    let recovered: JobRecovery.Report
    /// The store is shared with workers elsewhere (PostgreSQL).
    let shared: Bool
    /// Automatic exports and hooks of the jobs it runs.
    let followUps: JobFollowUps
    private let catchUp: Task<Void, Never>
    private let lock: RunnerLock

    private init(store: any EngineStore, runner: String, recovered: JobRecovery.Report, shared: Bool, lock: RunnerLock, followUps: JobFollowUps) {
        self.store = store
        self.shared = shared
        self.runner = runner
        self.recovered = recovered
        self.lock = lock
        self.followUps = followUps
        // What a runner that died left undone (export folders, hooks) is done beside the first job.
        catchUp = Task { await followUps.catchUp() }
    }

    /// Takes the profile's runner lock, unless its `runner` setting is off (a console-only
    /// profile: its jobs run elsewhere).
    static func start(_ settings: Settings) async throws -> RunnerHost {
        guard settings["runner"] != "false" else { throw RunnerHostError.runnerOff(profile: settings["profile"] ?? "default") }
        let directory = settings.directory
        try directory.prepare()
        let lock = try directory.lockRunner()
        LogFile.start(in: directory)
        let location = settings.storeLocation
        let store = try await location.open()
        directory.removeStaleTemporaryFiles()
        let runner = JobRecovery.newRunnerID()
        try await store.registerWorker(id: runner, host: ProcessInfo.processInfo.hostName, pid: getpid())
        let recovered = try await JobRecovery.recover(store: store, runner: runner, shared: location.isShared)
        try await PartialDownloads.sweep(directory.temporary, store: store)  // after recovery: interrupted items keep theirs
        if recovered.interruptedItems > 0 || !recovered.pausedJobs.isEmpty {
            Output.note(
                "recovered from a runner that died: \(recovered.interruptedItems) item(s) requeued, "
                    + "job(s) \(recovered.pausedJobs.map(String.init).joined(separator: ", ")) \(location.isShared ? "given back" : "paused")")
        }
        return RunnerHost(
            store: store, runner: runner, recovered: recovered, shared: location.isShared, lock: lock,
            followUps: JobFollowUps(settings: settings, store: store, runner: runner))
    }

    /// The runner id of a job lane of this process: its own for the download lane, a second
    /// one (registered as a worker too) for the general lane, so two jobs that run side by side
    /// hold their leases apart.
    func runner(for lane: JobLane) async throws -> String {
        let id = laneRunner(lane)
        if lane != .download { try await store.registerWorker(id: id, host: ProcessInfo.processInfo.hostName, pid: getpid()) }
        return id
    }

    /// The runner id a lane of this process holds leases and jobs under.
    func laneRunner(_ lane: JobLane) -> String { lane == .download ? runner : "\(runner).\(lane.rawValue)" }

    /// Marks the worker (and its lanes) stopped (the lock goes with the process).
    func stop() async {
        catchUp.cancel()  // what it has not reached waits for the next runner
        await catchUp.value
        for lane in JobLane.allCases where lane != .download { try? await store.stopWorker(id: laneRunner(lane)) }
        try? await store.stopWorker(id: runner)
        withExtendedLifetime(lock) {}
    }
}

extension DataDirectory {
    /// The runner lock, for a command that changes what a runner works on (`items remove`,
    /// `clean`): taken while no runner holds it; otherwise `command`'s one-line refusal, exit 3.
    func lockIdle(command: String) throws -> RunnerLock {
        do {
            return try lockRunner()
        } catch {
            Output.error(command, "refused while a job runs: \(error)")
            throw EngineExit.cannotRun
        }
    }
}

enum RunnerHostError: Error, CustomStringConvertible {
    case runnerOff(profile: String)

    var description: String {
        switch self {
        case .runnerOff(let profile): "profile '\(profile)' runs no jobs here (its runner setting is false)"
        }
    }
}
