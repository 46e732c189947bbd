import Engine
import Foundation
import Synchronization

/// What follows a job in the runner that owns it: automatic export folders as its collections
/// complete, and the post-stage hooks. While the job runs, a pass a second exports the
/// collections whose items have all settled and fires `after_download` once no item is left
/// before or in the download stage; when a run ends the job in a final state, the last pass
/// (every complete collection's folder brought up to date) and the hooks still due
/// (`after_download` of a job canceled early, `after_upload`, `after_job`). A run that ends
/// paused or stopped fires nothing: the next run follows on.
final class JobFollowUps: Sendable {
    let store: any EngineStore
    let exports: AutoExports?
    let hooks: JobHooks
    /// The runner that claims the hooks it runs (and heartbeats while they run).
    let runner: String

    init(settings: Settings, store: any EngineStore, runner: String) {
        self.store = store
        self.runner = runner
        exports = AutoExports(settings: settings, store: store)
        hooks = JobHooks(settings: settings, store: store)
    }

    func follow(_ job: JobRecord) -> Following {
        let following = Following(followUps: self, jobID: job.id, stages: Self.stages(of: job))
        following.start()
        return following
    }

    static func stages(of job: JobRecord) -> [String] {
        let options = JobOptions.decode(job.options)
        return JobAssembly.stageNames(job.type, graph: (try? options.graphFile()) ?? .builtInDefault, libraryBackend: options.libraryBackend)
    }

    /// What a runner that died left undone: export folders of collections completed before
    /// this runner started, and the hooks of jobs that ended while their follow-ups had not.
    func catchUp() async {
        // The folders are made whole even when the runner stops at once (`worker --until-idle`):
        // an up-to-date one costs a store read; the hooks wait for the next runner instead.
        if let exports { await Task.detached { await exports.backfill() }.value }
        for id in (try? await store.jobsWithHooksDue(limit: 100)) ?? [] {
            guard !Task.isCancelled, let job = try? await store.job(id) else { return }
            await fireEnded(job)
        }
    }

    /// The hooks of a job that has ended, in order (each runs once, whoever calls this).
    func fireEnded(_ job: JobRecord, downloadFired: Bool = false) async {
        let stages = Self.stages(of: job), status = job.status.rawValue
        if stages.contains("download"), !downloadFired { await hooks.fire(.afterDownload, jobID: job.id, status: status, runner: runner) }
        if stages.contains("upload") { await hooks.fire(.afterUpload, jobID: job.id, status: status, runner: runner) }
        await hooks.fire(.afterJob, jobID: job.id, status: status, runner: runner)
    }

    /// One job's run followed.
    final class Following: Sendable {
        let followUps: JobFollowUps
        let jobID: Int64
        /// The stages up to and including download (empty: the job downloads nothing).
        let throughDownload: [String]
        private let loop = Mutex<Task<State, Never>?>(nil)
        /// Set by `end()`: the loop finishes the pass it is in (never cancelled midway: a hook
        /// or an export cut off by a cancel would be lost) and stops.
        private let stopping = Atomic<Bool>(false)
        /// Rung by `end()`, so the loop stops at once rather than at its next second.
        private let wake = Doorbell()

        struct State: Sendable {
            var exported: Set<String> = []
            var downloadHookFired = false
        }

        init(followUps: JobFollowUps, jobID: Int64, stages: [String]) {
            self.followUps = followUps
            self.jobID = jobID
            throughDownload = stages.firstIndex(of: "download").map { Array(stages[...$0]) } ?? []
        }

        func start() {
            // Detached from the caller's cancellation for the same reason.
            let task = Task.detached { [self] in
                var state = State()
                // The mark a runner that starts after a crash looks for (`catchUp`).
                try? await followUps.store.finishHook(jobID: jobID, hook: "due")
                while !stopping.load(ordering: .relaxed) {
                    await pass(&state)
                    if !stopping.load(ordering: .relaxed) { try? await wake.wait(upTo: .seconds(1)) }
                }
                return state
            }
            loop.withLock { $0 = task }
        }

        private func pass(_ state: inout State) async {
            let store = followUps.store
            if let exports = followUps.exports {
                state.exported.formUnion(await exports.pass(jobID: jobID, skipping: state.exported))
            }
            guard !throughDownload.isEmpty, !state.downloadHookFired, let job = try? await store.job(jobID), job.status == .running,
                job.collectionDone, (try? await store.openItems(jobID: jobID, notPast: throughDownload)) == 0
            else { return }
            let failed = ((try? await store.counters(jobID: jobID))?[.failed] ?? 0) > 0
            state.downloadHookFired = await followUps.hooks.fire(
                .afterDownload, jobID: jobID, status: failed ? "completed_with_errors" : "completed", runner: followUps.runner)
        }

        /// The run ended: the last export pass, and the hooks due when the job is over.
        func end() async {
            guard let task = loop.withLock({ $0 }) else { return }
            stopping.store(true, ordering: .relaxed)
            wake.ring()
            let state = await task.value
            await Task.detached { [self] in
                await followUps.exports?.backfill()
                guard let job = try? await followUps.store.job(jobID), job.status.isFinished else { return }
                await followUps.fireEnded(job, downloadFired: state.downloadHookFired)
            }.value
        }
    }
}
