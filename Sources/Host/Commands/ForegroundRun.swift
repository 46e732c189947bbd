import Engine
import Foundation
import Logging
import Stages

/// A job run in the foreground (`engine run`, `engine upload`): progress on a terminal,
/// Ctrl-C to pause (twice: cancel, three times: quit), SIGTERM with a grace period, a job
/// paused from elsewhere waited for, and the summary at the end.
struct ForegroundRun {
    let grace: Double
    let json: Bool
    /// The summary (and the queued note) as notes on standard error: a command whose standard
    /// output is its own (`export --json`) runs the job on the way.
    var summaryToStandardError = false

    private func say(_ line: String) {
        if summaryToStandardError { Output.note(line) } else { Output.line(line) }
    }

    /// A command that queues a job (upload, reprocess): runs it in the foreground when no runner
    /// holds the data directory, else leaves it queued for the runner that does and says so.
    func runOrQueue(_ job: JobRecord, settings: Settings, command: String) async throws {
        let directory = settings.directory
        let host: RunnerHost
        do {
            host = try await RunnerHost.start(settings)
        } catch {
            // Held by a runner here, or run elsewhere (a profile whose runner is off): queued for it.
            let queued = if case DataDirectoryError.locked = error { true } else { error is RunnerHostError }
            guard queued else {
                Output.error(command, "\(error)")
                throw EngineExit.cannotRun
            }
            say("job \(job.id) queued: the runner that holds \(directory.root.path) takes it (`engine jobs show \(job.id) --follow`)")
            return
        }
        Output.note("job \(job.id)")
        do {
            try await run(job, host: host, directory: directory)
        } catch {
            await host.stop()
            throw error
        }
        await host.stop()
    }

    func run(_ job: JobRecord, host: RunnerHost, directory: DataDirectory) async throws {
        let logger = Logger(label: "engine.run")
        logger.info("job started", metadata: ["job.id": "\(job.id)", "job.type": "\(job.type.rawValue)", "runner": "\(host.runner)"])
        let store = host.store
        let observer = IngestObserver()
        let clock = ContinuousClock()
        let start = clock.now
        let progress = ProgressDisplay.startIfTerminal { [id = job.id] in await ProgressDisplay.frame(store, jobID: id, local: true) }
        let current = CurrentRun()
        let interrupt = Interrupt.onSIGINT { press in
            if press == 1 {
                Output.note("interrupted: pausing, in-flight items finish (Ctrl-C again to cancel, a third time to quit now)")
                current.pausedHere = true
                current.run?.requestPause()
            } else {
                Output.note("canceling (Ctrl-C again to quit now)")
                current.canceledHere = true
                current.run?.requestCancel()
            }
        }
        let termination = Interrupt.onSIGTERM {
            Output.note("terminated: in-flight items get \(grace) s, then go back to the queue; the job stays resumable")
            current.terminated = true
            current.run?.requestShutdown(grace: .milliseconds(Int(grace * 1000)))
        }
        defer { termination.cancel() }
        let following = host.followUps.follow(job)
        var end: JobRunEnd
        var incompleteRuns = 0
        do {
            while true {
                let run = try await JobAssembly.makeRun(job, store: store, directory: directory, runner: host.runner, shared: host.shared)
                current.run = run
                if current.canceledHere { run.requestCancel() } else if current.pausedHere { run.requestPause() }
                if current.terminated { run.requestShutdown(grace: .milliseconds(Int(grace * 1000))) }
                end = try await run.run(observer: observer)
                current.run = nil
                if end == .incomplete, !current.pausedHere, !current.canceledHere, !current.terminated {
                    // Items came back to the queue (or claiming stopped on an error): take them
                    // again, a few times; then leave the job queued for later.
                    incompleteRuns += 1
                    if incompleteRuns < 3 { continue }
                    Output.error("run", "job \(job.id) is still incomplete after \(incompleteRuns) passes; it stays queued (`engine jobs show \(job.id)`)")
                    break
                }
                incompleteRuns = 0
                guard end == .paused, !current.pausedHere, !current.canceledHere, !current.terminated else { break }
                // Paused from another process: wait here until it is resumed or canceled.
                Output.note("job \(job.id) paused from elsewhere; waiting (`engine jobs resume \(job.id)` continues it)")
                if let stop = try await waitWhilePaused(job.id, store: store, runner: host.runner, current: current) {
                    end = stop
                    break
                }
                Output.note("job \(job.id) resumed")
            }
        } catch {
            interrupt.cancel()
            await following.end()
            await progress?.stop()
            Output.error("run", "job \(job.id): \(error)")
            throw EngineExit.cannotRun
        }
        interrupt.cancel()
        await following.end()
        await progress?.stop()

        let status = try await store.job(job.id)?.status ?? .failed
        let tally = observer.snapshot
        logger.info("job ended", metadata: [
            "job.id": "\(job.id)", "status": "\(status.rawValue)", "collected": "\(tally.collected)", "downloaded": "\(tally.downloaded)",
            "stored": "\(tally.stored)", "failed": "\(tally.failedCount)", "seconds": "\(String(format: "%.2f", Format.seconds(clock.now - start)))",
        ])
        var summary = RunSummary(
            tally: observer.snapshot, wallTime: clock.now - start, dataDirectory: directory, jobID: job.id, status: status, type: job.type)
        (summary.renditionsFailed, summary.renditionsFailedEarlier) = try await JobAssembly.renditionFailures(job, store: store)
        if job.type == .ingest { summary.renditionsBackend = try? JobOptions.decode(job.options).graphFile().renditionsBackend }
        say(json ? summary.json.serialized() : summary.text)
        if end == .paused || end == .stopped {
            Output.note("job \(job.id) paused: `engine run --resume` (or `engine jobs resume \(job.id)`) continues it")
        }
        if current.terminated { throw EngineExit.terminated }
        if current.pausedHere || current.canceledHere { throw EngineExit.interrupted }
        if status != .completed { throw EngineExit.failures }
    }

    /// Polls the job's commands while it is paused, heartbeating as a live runner; nil once it
    /// is resumed, else how the wait ended (canceled, or left paused by Ctrl-C or SIGTERM).
    private func waitWhilePaused(_ jobID: Int64, store: any EngineStore, runner: String, current: CurrentRun) async throws -> JobRunEnd? {
        while true {
            if current.canceledHere {
                try await store.cancelOpenItems(jobID: jobID)
                try await store.transitionJob(jobID, to: .canceled, runner: nil, error: nil)
                return .canceled
            }
            if current.pausedHere || current.terminated { return .paused }
            try await store.workerHeartbeat(id: runner, jobID: jobID, currentItem: nil, bytesPerSecond: nil)
            for command in try await store.takeCommands(jobID: jobID, consumer: runner) {
                switch command.kind {
                case .resume:
                    try await store.completeCommand(command.id, result: "resumed")
                    return nil
                case .cancel:
                    // `jobs cancel` of a job nobody runs cancels it itself; only finish the job here otherwise.
                    if try await store.job(jobID)?.status.isFinished == false {
                        try await store.cancelOpenItems(jobID: jobID)
                        try await store.transitionJob(jobID, to: .canceled, runner: nil, error: nil)
                    }
                    try await store.completeCommand(command.id, result: "canceled")
                    return .canceled
                case .retryItem, .forceRetryItem:
                    let n = try await store.retryItems(jobID: jobID, itemKey: command.argument, force: command.kind == .forceRetryItem)
                    try await store.completeCommand(command.id, result: "requeued \(n) item(s)")
                case .pause:
                    try await store.completeCommand(command.id, result: "already paused")
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
