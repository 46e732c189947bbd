import Engine
import Foundation
import Synchronization

/// What follows a job in the runner that owns it: automatic export folders as its collections
/// complete, and the post-stage hooks. While the job runs, a pass a second exports the
/// collections whose items have all settled and fires `after_download` once no item is left
/// before or in the download stage; when a run ends the job in a final state, the last pass
/// and the hooks still due (`after_download` of a job canceled early, `after_upload`,
/// `after_job`). A run that ends paused or stopped fires nothing: the next run follows on.
final class JobFollowUps: Sendable {
    let store: any EngineStore
    let exports: AutoExports?
    let hooks: JobHooks

    init(settings: Settings, store: any EngineStore) {
        self.store = store
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
    /// this runner started, and the hooks of jobs that ended while their follow-ups had not
    /// (those whose `hooks_due` mark has no `after_job` record yet).
    func catchUp() async {
        await exports?.backfill()
        guard let jobs = try? await store.jobs(limit: 100) else { return }
        for job in jobs where job.status.isFinished {
            guard let events = try? await hooks.events(jobID: job.id), events.contains(where: { $0.kind == "hooks_due" }),
                !events.contains(where: { JobHooks.isRecord($0, of: .afterJob) && $0.kind != "hook_started" })
            else { continue }
            let stages = Self.stages(of: job)
            if stages.contains("download") { await hooks.fire(.afterDownload, jobID: job.id, status: job.status.rawValue) }
            if stages.contains("upload") { await hooks.fire(.afterUpload, jobID: job.id, status: job.status.rawValue) }
            await hooks.fire(.afterJob, jobID: job.id, status: job.status.rawValue)
        }
    }

    /// One job's run followed.
    final class Following: Sendable {
        let followUps: JobFollowUps
        let jobID: Int64
        /// The stages up to and including download (empty: the job downloads nothing).
        let throughDownload: [String]
        let uploads: Bool
        private let loop = Mutex<Task<State, Never>?>(nil)

        struct State: Sendable {
            var exported: Set<String> = []
            var downloadHookFired = false
        }

        init(followUps: JobFollowUps, jobID: Int64, stages: [String]) {
            self.followUps = followUps
            self.jobID = jobID
            throughDownload = stages.firstIndex(of: "download").map { Array(stages[...$0]) } ?? []
            uploads = stages.contains("upload")
        }

        func start() {
            let task = Task { [self] in
                var state = State()
                // The mark a runner that starts after a crash looks for (`catchUp`).
                if let events = try? await followUps.hooks.events(jobID: jobID), !events.contains(where: { $0.kind == "hooks_due" }) {
                    try? await followUps.store.appendEvent(jobID: jobID, kind: "hooks_due", message: "hooks run as the job's stages end")
                }
                while !Task.isCancelled {
                    await pass(&state)
                    try? await Task.sleep(for: .seconds(1))
                }
                return state
            }
            loop.withLock { $0 = task }
        }

        private func pass(_ state: inout State) async {
            let store = followUps.store
            if let exports = followUps.exports {
                state.exported.formUnion(await exports.pass(jobID: jobID, skipping: state.exported, final: false))
            }
            guard !throughDownload.isEmpty, !state.downloadHookFired, let job = try? await store.job(jobID), job.status == .running,
                job.collectionDone, (try? await store.openItems(jobID: jobID, notPast: throughDownload)) == 0
            else { return }
            let failed = ((try? await store.counters(jobID: jobID))?[.failed] ?? 0) > 0
            await followUps.hooks.fire(.afterDownload, jobID: jobID, status: failed ? "completed_with_errors" : "completed")
            state.downloadHookFired = true
        }

        /// The run ended: the last export pass, and the hooks due when the job is over.
        func end() async {
            guard let task = loop.withLock({ $0 }) else { return }
            task.cancel()
            let state = await task.value
            let store = followUps.store
            if let exports = followUps.exports { _ = await exports.pass(jobID: jobID, skipping: state.exported, final: true) }
            guard let job = try? await store.job(jobID), job.status.isFinished else { return }
            let status = job.status.rawValue
            if !throughDownload.isEmpty, !state.downloadHookFired { await followUps.hooks.fire(.afterDownload, jobID: jobID, status: status) }
            if uploads { await followUps.hooks.fire(.afterUpload, jobID: jobID, status: status) }
            await followUps.hooks.fire(.afterJob, jobID: jobID, status: status)
        }
    }
}
