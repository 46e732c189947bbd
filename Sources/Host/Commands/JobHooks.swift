import Engine
import Foundation
import Logging

/// Post-stage hooks (`hooks.after_download`, `hooks.after_upload`, `hooks.after_job`): a
/// command line run once when that stage of a job reaches a final state. Each run is recorded
/// as job events — `hook_started`, then `hook_succeeded` or `hook_failed` (exit status, the last
/// lines of output), or `hook_skipped` when none is configured. A claim in the store
/// (`job_hooks`) makes it once across runners and crashes: one a crash cut off is recorded as
/// failed by the next runner (once its runner is known gone), not run twice. A failing hook
/// never fails the job. The command gets a clean environment: PATH, HOME, the locale, and
/// ENGINE_JOB_ID, ENGINE_JOB_STATUS, ENGINE_DATA_DIR, ENGINE_PROFILE, ENGINE_LIBRARY_DIR and
/// ENGINE_HOOK — nothing of the engine's own environment (where S3 secrets live).
struct JobHooks: Sendable {
    enum Hook: String, CaseIterable, Sendable {
        case afterDownload = "after_download"
        case afterUpload = "after_upload"
        case afterJob = "after_job"
    }

    let store: any EngineStore
    let commands: [Hook: String]
    let timeout: Duration
    let base: [String: String]
    private var logger: Logger { Logger(label: "engine.hooks") }

    init(settings: Settings, store: any EngineStore, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.store = store
        var commands: [Hook: String] = [:]
        for hook in Hook.allCases { commands[hook] = settings["hooks.\(hook.rawValue)"] }
        self.commands = commands
        timeout = .milliseconds(Int((settings["hooks.timeout"].flatMap(Double.init) ?? 600) * 1000))
        var base = environment.filter { ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SHELL"].contains($0.key) }
        if base["PATH"] == nil { base["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        base["ENGINE_DATA_DIR"] = settings["data_dir"] ?? settings.directory.root.path
        base["ENGINE_PROFILE"] = settings["profile"] ?? "default"
        base["ENGINE_LIBRARY_DIR"] = settings.directory.library.path
        self.base = base
    }

    /// Runs `hook` for the job ended (or stage ended) with `status`, unless it ran (or was
    /// recorded) already. The store's claim on (job, hook) makes it once, whoever follows the
    /// job; `runner` heartbeats while the hook runs, so that no other runner takes it for cut off.
    /// True once the hook is recorded (now or before); false when it could not be (the store
    /// failed) or another live runner is running it.
    @discardableResult
    func fire(_ hook: Hook, jobID: Int64, status: String, runner: String) async -> Bool {
        do {
            switch try await store.claimHook(jobID: jobID, hook: hook.rawValue, runner: runner) {
            case .done: return true
            case .busy: return false
            case .cutOff:
                try await store.appendEvent(
                    jobID: jobID, kind: "hook_failed", message: "\(hook.rawValue): the runner stopped while it ran; it is not run again")
                return true
            case .claimed: break
            }
            guard let command = commands[hook] else {
                try await store.appendEvent(jobID: jobID, kind: "hook_skipped", message: "\(hook.rawValue): not configured (hooks.\(hook.rawValue))")
                try await store.finishHook(jobID: jobID, hook: hook.rawValue)
                return true
            }
            try await store.appendEvent(jobID: jobID, kind: "hook_started", message: "\(hook.rawValue): \(Redaction.scrub(command)) (status \(status))")
            var environment = base
            environment["ENGINE_JOB_ID"] = String(jobID)
            environment["ENGINE_JOB_STATUS"] = status
            environment["ENGINE_HOOK"] = hook.rawValue
            let heartbeat = Task { [store] in
                while !Task.isCancelled {
                    try? await store.workerHeartbeat(id: runner, jobID: nil, currentItem: nil, bytesPerSecond: nil)
                    try? await Task.sleep(for: .seconds(5))
                }
            }
            let result = await run(command, environment: environment)
            heartbeat.cancel()
            let (kind, message) = Self.verdict(hook, result)
            try await store.appendEvent(jobID: jobID, kind: kind, message: message)
            try await store.finishHook(jobID: jobID, hook: hook.rawValue)
            logger.info("hook ended", metadata: ["job.id": "\(jobID)", "hook": "\(hook.rawValue)", "result": "\(kind)"])
            return true
        } catch {
            logger.error("hook not recorded", metadata: ["job.id": "\(jobID)", "hook": "\(hook.rawValue)", "error": "\(error)"])
            return false
        }
    }

    private func run(_ command: String, environment: [String: String]) async -> Result<HookProcess.Outcome, any Error> {
        do {
            return .success(try await HookProcess(command: command, environment: environment, timeout: timeout).run())
        } catch {
            return .failure(error)
        }
    }

    static func verdict(_ hook: Hook, _ result: Result<HookProcess.Outcome, any Error>) -> (kind: String, message: String) {
        switch result {
        case .failure(let error): return ("hook_failed", "\(hook.rawValue): \(error)")
        case .success(let outcome):
            let output = outcome.lastLines.isEmpty ? "" : "; last output: " + Redaction.scrub(outcome.lastLines.joined(separator: " | "))
            let took = String(format: "%.1f s", outcome.seconds)
            if outcome.timedOut { return ("hook_failed", "\(hook.rawValue): timed out after \(took) and was stopped\(output)") }
            if let status = outcome.status {
                return status == 0
                    ? ("hook_succeeded", "\(hook.rawValue): exit status 0 in \(took)\(output)")
                    : ("hook_failed", "\(hook.rawValue): exit status \(status) in \(took)\(output)")
            }
            return ("hook_failed", "\(hook.rawValue): ended by signal \(outcome.signal ?? 0) in \(took)\(output)")
        }
    }
}
