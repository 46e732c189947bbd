import Engine
import Foundation
import Logging

/// Post-stage hooks (`hooks.after_download`, `hooks.after_upload`, `hooks.after_job`): a
/// command line run once when that stage of a job reaches a final state. Each run is recorded
/// as job events — `hook_started`, then `hook_succeeded` or `hook_failed` (exit status, the last
/// lines of output), or `hook_skipped` when none is configured — and those events are what make
/// it once: a hook with an event for the job is never run again, across runners and crashes (one
/// a crash cut off is recorded as failed by the next runner, not run twice). A failing hook
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

    static let eventKinds: Set<String> = ["hook_started", "hook_skipped", "hook_succeeded", "hook_failed"]

    /// Runs `hook` for the job ended (or stage ended) with `status`, unless the job's events
    /// show it ran (or was skipped) already.
    func fire(_ hook: Hook, jobID: Int64, status: String) async {
        do {
            let earlier = try await events(jobID: jobID).filter { Self.isRecord($0, of: hook) }.map(\.kind)
            if earlier.contains(where: { $0 != "hook_started" }) { return }
            if earlier.contains("hook_started") {
                try await store.appendEvent(
                    jobID: jobID, kind: "hook_failed", message: "\(hook.rawValue): the runner stopped while it ran; it is not run again")
                return
            }
            guard let command = commands[hook] else {
                try await store.appendEvent(jobID: jobID, kind: "hook_skipped", message: "\(hook.rawValue): not configured (hooks.\(hook.rawValue))")
                return
            }
            try await store.appendEvent(jobID: jobID, kind: "hook_started", message: "\(hook.rawValue): \(Redaction.scrub(command)) (status \(status))")
            var environment = base
            environment["ENGINE_JOB_ID"] = String(jobID)
            environment["ENGINE_JOB_STATUS"] = status
            environment["ENGINE_HOOK"] = hook.rawValue
            let (kind, message) = Self.verdict(hook, await run(command, environment: environment))
            try await store.appendEvent(jobID: jobID, kind: kind, message: message)
            logger.info("hook ended", metadata: ["job.id": "\(jobID)", "hook": "\(hook.rawValue)", "result": "\(kind)"])
        } catch {
            logger.error("hook not recorded", metadata: ["job.id": "\(jobID)", "hook": "\(hook.rawValue)", "error": "\(error)"])
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

    /// True when `event` records a run (or skip) of `hook`.
    static func isRecord(_ event: NumberedJobEvent, of hook: Hook) -> Bool {
        eventKinds.contains(event.kind) && event.message.hasPrefix("\(hook.rawValue):")
    }

    /// The job's hook events and marks.
    func events(jobID: Int64) async throws -> [NumberedJobEvent] {
        var found: [NumberedJobEvent] = [], after: Int64 = 0
        while true {
            let page = try await store.events(after: after, jobID: jobID, limit: 1000)
            found += page.filter { Self.eventKinds.contains($0.kind) || $0.kind == "hooks_due" }
            guard page.count == 1000, let last = page.last else { return found }
            after = last.id
        }
    }
}
