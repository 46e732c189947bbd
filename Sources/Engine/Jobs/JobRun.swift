public import Foundation
import Logging
import Metrics
import Synchronization

/// Collects one input of a job: every item it names, in order, and problems with its entries.
/// It throws only when collecting cannot go on at all (the store is gone), not for a bad input.
public protocol JobCollector: Sendable {
    func collect(_ input: String) async throws -> (items: [MediaItem], issues: [SourceIssue])
    /// Collects `input` page by page from where it stopped (`input.checkpoint`, pages read so
    /// far), handing each page to `page`, which records it before the next is fetched; the
    /// last page has no checkpoint. By default the input is one page, from `collect(_:)`.
    func collect(_ input: JobInput, page: (CollectedPage) async throws -> Void) async throws
}

extension JobCollector {
    public func collect(_ input: JobInput, page: (CollectedPage) async throws -> Void) async throws {
        let found = try await collect(input.input)
        try await page(CollectedPage(items: found.items, issues: found.issues))
    }
}

/// One page of a job input.
public struct CollectedPage: Sendable {
    public var items: [MediaItem]
    public var issues: [SourceIssue]
    /// Inputs the page names (a catalog page's collections), added to the job.
    public var inputs: [String]
    /// Where the next page starts; nil: this was the input's last.
    public var checkpoint: String?
    /// A paged input's page: counted, with a progress event. False: the input is not paged.
    public var isPage: Bool
    /// The input stops here on this error (a page that could not be fetched or read): done for
    /// this run, `checkpoint` (the failed page) kept for `jobs retry`.
    public var error: String?

    public init(
        items: [MediaItem], issues: [SourceIssue], inputs: [String] = [], checkpoint: String? = nil, isPage: Bool = false, error: String? = nil
    ) {
        self.items = items
        self.issues = issues
        self.inputs = inputs
        self.checkpoint = checkpoint
        self.isPage = isPage
        self.error = error
    }
}

/// How a runner works a job.
public struct JobRunSettings: Sendable {
    /// Items claimed per store round trip.
    public var claimBatch = 32
    /// The most items the run holds at once (claimed, not yet settled; nil: no limit). On a
    /// shared store, about what it can start soon: items it sat on while another runner had
    /// nothing left to claim would make the job wait for them.
    public var maxHeld: Int?
    /// The collector waits while the job holds this many pending items.
    public var highWater = 10_000
    /// Collected items written per transaction.
    public var enqueueBatch = 500
    /// A lease lasts this long without renewal; the heartbeat renews it well before.
    public var leaseDuration: Duration = .seconds(30)
    public var heartbeat: Duration = .seconds(3)
    /// Commands are read this often (the runner acts within half a second).
    public var commandPoll: Duration = .milliseconds(200)
    /// With nothing to claim yet (collection still running), the claim is retried this often.
    public var idlePoll: Duration = .milliseconds(50)
    /// Items' current steps are written this often (the latest of each).
    public var stepInterval: Duration = .milliseconds(100)
    public var channelCapacity = 16
    /// Items that fail on a transient error are tried again after a backoff, up to its attempts.
    public var retry = RetryPolicy()
    /// The downloads in flight, sampled every `transferInterval` into the job's running items
    /// (so `jobs show` in another process sees bytes as they arrive).
    public var transfers: (@Sendable () -> [TransferSample])?
    public var transferInterval: Duration = .seconds(1)
    /// Every byte the run's downloads received so far, finished ones included: the heartbeat
    /// reports the rate from it.
    public var receivedBytes: (@Sendable () -> Int64)?
    /// The store is shared by runners on other machines (PostgreSQL): the owner of a job waits
    /// for items other runners hold before judging it, gives the job back to the queue (not
    /// paused) when it stops, and a run's heartbeat requeues jobs whose owner stopped answering.
    public var shared = false

    public init() {}
}

/// How a run of a job ended.
public enum JobRunEnd: Sendable, Equatable, CustomStringConvertible {
    /// Every item settled: completed, completed_with_errors.
    case finished(JobStatus)
    /// Paused (a pause command, or Ctrl-C): resumable.
    case paused
    case canceled
    /// The runner was told to stop (SIGTERM): in-flight items went back to the queue; the job is paused.
    case stopped
    /// The run ended with items still to do (collection or claiming stopped on an error, or
    /// items came back to the queue): the job is queued again for the next run.
    case incomplete
    /// A run that helped the job's owner (`JobRun.help`) stopped: nothing was left to claim,
    /// or the job stopped running; the job's status is its owner's to set.
    case helped

    public var description: String {
        switch self {
        case .finished(let status): status.rawValue
        case .paused: "paused"
        case .canceled: "canceled"
        case .stopped: "stopped (paused, resumable)"
        case .incomplete: "incomplete (queued again)"
        case .helped: "helped (the job goes on with its owner)"
        }
    }
}

/// One runner working one job: claims its items from the store with leases, runs them through
/// the stages, records every step and outcome under the lease, collects its inputs alongside
/// (pausing above the high-water mark), renews its leases, and obeys the job's commands.
/// Nothing only this process knows is needed to continue: a restart resumes from the store.
public final class JobRun: Sendable {
    public let store: any JobStore
    public let jobID: Int64
    public let runner: String
    let stages: [any ItemStage<MediaItem>]
    let collector: (any JobCollector)?
    let settings: JobRunSettings
    let lanes: Lanes
    let temporaryDirectory: URL
    private static var logger: Logger { Logger(label: "engine.jobs") }

    enum Stop: Sendable, Equatable {
        case pause(immediate: Bool)
        case cancel
        case shutdown
    }

    private struct Control {
        var stop: Stop?
        var graph: Task<Void, any Error>?
        var collectionDone = false
        /// This run helps the job's owner (`help`): no collection, no commands, no verdict.
        var helping = false
        /// Collection or claiming stopped on an error (not one input's problem: the store, say).
        var collectionError: String?
        var claimError: String?
    }

    private let control = Mutex(Control())
    private let intake = GraphIntake()
    let steps = StepBuffer()
    /// Items this run emitted into the graph and has not settled: one may still come back to
    /// the queue for a retry, so the claiming head waits for them before it ends.
    let inFlight = Atomic<Int>(0)
    /// Rung when the claiming head may find something new: items collected, collection done,
    /// the last item in flight settled. Its idle waits end at once then, not at the next poll.
    let news = Doorbell()

    public init(
        store: any JobStore, jobID: Int64, runner: String, stages: [any ItemStage<MediaItem>], collector: (any JobCollector)?,
        lanes: Lanes, temporaryDirectory: URL, settings: JobRunSettings = JobRunSettings()
    ) {
        self.store = store
        self.jobID = jobID
        self.runner = runner
        self.stages = stages
        self.collector = collector
        self.lanes = lanes
        self.temporaryDirectory = temporaryDirectory
        self.settings = settings
    }

    // MARK: steering (any thread)

    /// Takes no new items; in-flight ones finish (or, `immediate`, go back to the queue).
    public func requestPause(immediate: Bool = false) {
        stop(.pause(immediate: immediate), cancelGraph: immediate)
    }

    /// Stops at once: in-flight items are canceled with their temp files, open ones too.
    public func requestCancel() {
        stop(.cancel, cancelGraph: true)
    }

    /// The runner is going away (SIGTERM): takes no new items, gives in-flight ones `grace`,
    /// then interrupts them back into the queue. The job is left paused.
    public func requestShutdown(grace: Duration) {
        stop(.shutdown, cancelGraph: false)
        Task { [weak self] in
            try await Task.sleep(for: grace)
            self?.control.withLock { $0.graph }?.cancel()
        }
    }

    private func stop(_ reason: Stop, cancelGraph: Bool) {
        if reason == .cancel { intake.abandon() } else { intake.stop() }
        let graph = control.withLock { control -> Task<Void, any Error>? in
            // A cancel overrides a pause; nothing overrides a cancel.
            if control.stop != .cancel { control.stop = reason }
            return cancelGraph ? control.graph : nil
        }
        graph?.cancel()
        news.ring()  // the claiming head stops at once, not at its next poll
    }

    var stopReason: Stop? { control.withLock { $0.stop } }

    func noteClaimError(_ error: any Error) {
        if !(error is CancellationError) { control.withLock { $0.claimError = "claiming items failed: \(error)" } }
    }

    // MARK: running

    /// Runs the job until its items are all settled, or it is paused, cancelled or stopped.
    /// The job must be claimable by this runner (queued, paused, or released by a dead one).
    /// `from`: the statuses the job may be taken from (a worker takes only queued jobs, so a
    /// pause or cancel that reaches the store first wins).
    public func run(observer: some GraphObserver<MediaItem>, from: Set<JobStatus> = [.queued, .paused]) async throws -> JobRunEnd {
        try await store.startJob(jobID, runner: runner, from: from)
        return try await work(observer: observer)
    }

    /// Works a job another runner owns (a shared store): claims and runs its items beside the
    /// owner while the job is running. It collects nothing and obeys no commands (the owner
    /// does both); a pause or cancel reaches it through the job's status, read every
    /// `commandPoll`. Throws `IllegalTransition` when the job is not running.
    public func help(observer: some GraphObserver<MediaItem>) async throws -> JobRunEnd {
        guard let job = try await store.job(jobID), job.status == .running else {
            throw IllegalTransition(subject: "job \(jobID)", from: (try? await store.job(jobID))??.status.rawValue ?? "gone", to: "helped")
        }
        control.withLock {
            $0.helping = true
            $0.collectionDone = job.collectionDone
        }
        return try await work(observer: observer)
    }

    var helping: Bool { control.withLock { $0.helping } }

    private func work(observer: some GraphObserver<MediaItem>) async throws -> JobRunEnd {
        let counting = StageCountingObserver(observer) { [retry = settings.retry] stage, item, error in
            JobLedger.fallsBack(item, stage: stage) || retry.delay(after: item.attempt, failingWith: error, random: 0) != nil
        }
        let ledger = JobLedger(store: store, run: self)
        let graph = Graph(
            source: ClaimSource(run: self), stages: stages, channelCapacity: settings.channelCapacity)
        let graphTask = Task { [lanes, temporaryDirectory] in
            try await graph.run(
                lanes: lanes, temporaryDirectory: temporaryDirectory, observer: counting, ledger: ledger, intake: self.intake)
        }
        control.withLock { $0.graph = graphTask }
        if case .cancel = stopReason { graphTask.cancel() }

        let helpers = Task {
            await withTaskGroup(of: Void.self) { group in
                if self.helping {
                    group.addTask { await self.statusLoop() }
                } else {
                    group.addTask { await self.collectLoop(observer: observer) }
                    group.addTask { await self.commandLoop() }
                }
                group.addTask { await self.heartbeatLoop(counting) }
                group.addTask { await self.stepLoop() }
            }
        }
        var graphError: (any Error)?
        do {
            try await graphTask.value
        } catch {
            graphError = error
        }
        helpers.cancel()
        await helpers.value
        // Commands sent while the graph was finishing: obeyed before the job is judged (a retry
        // then leaves open items, so the job is queued again and the next pass takes them).
        for command in helping ? [] : (try? await store.takeCommands(jobID: jobID, consumer: runner)) ?? [] {
            let result = (try? await obey(command)) ?? "not done: the run was ending"
            try? await store.completeCommand(command.id, result: result)
        }
        writeSteps()
        try await store.flush()  // every queued step and outcome is written before the job is judged
        try? await store.addStageCounts(jobID: jobID, counting.takeDeltas())
        let end = try await finish(graphError: graphError)
        try? await PartialDownloads.sweep(temporaryDirectory, store: store)  // a canceled or failed item's partial goes
        return end
    }

    private func finish(graphError: (any Error)?) async throws -> JobRunEnd {
        // On a shared store the verdict is the owner's only: one that lost the job meanwhile leaves it.
        if !helping, settings.shared, try await store.job(jobID)?.runner != runner { control.withLock { $0.helping = true } }
        if helping {
            try await store.interruptItems(heldBy: [runner])  // an item it left running goes back to the queue
            if let graphError, !(graphError is CancellationError) { throw graphError }
            return .helped
        }
        switch stopReason {
        case .cancel:
            try await store.cancelOpenItems(jobID: jobID)
            try await store.transitionJob(jobID, to: .canceled, runner: nil, error: nil)
            return .canceled
        case .pause:
            try await store.transitionJob(jobID, to: .paused, runner: nil, error: nil)
            return .paused
        case .shutdown:
            if settings.shared {
                // Other workers share the store: the job goes back to the queue for one of them
                // (a pause asked meanwhile is kept: paused).
                let pausing = try await store.job(jobID)?.status == .pauseRequested
                try await store.transitionJob(jobID, to: pausing ? .paused : .queued, runner: nil, error: nil)
                try? await store.appendEvent(jobID: jobID, kind: "released", message: "runner \(runner) stopped; the job is queued for another worker")
            } else {
                try await store.transitionJob(jobID, to: .paused, runner: nil, error: nil)
                try? await store.appendEvent(jobID: jobID, kind: "released", message: "runner \(runner) stopped; the job waits to be resumed")
            }
            return .stopped
        case nil:
            if let graphError, !(graphError is CancellationError) {
                // The store (or the graph itself) failed: the job stays resumable from the store.
                _ = try? await store.transitionJob(jobID, to: .failed, runner: nil, error: "\(graphError)")
                throw graphError
            }
            // Nothing of this run can still be working: an item it left running (an outcome
            // whose write failed) goes back to the queue.
            try await store.interruptItems(heldBy: [runner])
            var (collectionDone, problem) = control.withLock { ($0.collectionDone, $0.claimError ?? $0.collectionError) }
            // A retry while the run was ending may have reopened an input: the store says.
            if collectionDone, try await store.job(jobID)?.collectionDone == false { collectionDone = false }
            let counters = try await store.counters(jobID: jobID)
            if counters.open > 0 || !collectionDone || problem != nil {
                // Not done: queued again, with what stopped it, for this runner's next pass or the next runner.
                let why = problem ?? (collectionDone ? "\(counters.open) item(s) still open" : "collection not finished")
                try await store.appendEvent(jobID: jobID, kind: "incomplete", message: why)
                try await store.transitionJob(jobID, to: .queued, runner: nil, error: problem)
                return .incomplete
            }
            // A rendition it failed to make counts as an error, though its item stays stored.
            let renditionsFailed = try await store.renditionFailures(jobID: jobID).contains { $0.failure.jobID == jobID }
            let status: JobStatus = counters[.failed] > 0 || renditionsFailed ? .completedWithErrors : .completed
            try await store.transitionJob(jobID, to: status, runner: nil, error: nil)
            return .finished(status)
        }
    }

    // MARK: the loops beside the graph

    var collectionDone: Bool { control.withLock { $0.collectionDone } }

    private func collectLoop(observer: some GraphObserver<MediaItem>) async {
        do {
            guard let job = try await store.job(jobID) else { return }
            if !job.collectionDone {
                // `limit`: new items (those the library does not hold), as yt-dlp's --max-downloads.
                // The inputs are read again after each: a catalog's pages add its collections.
                inputs: while let input = try await store.nextOpenInput(jobID) {
                    guard stopReason == nil, let collector else { break }
                    var finished = false, pagesRead = input.pages
                    do {
                        try await collector.collect(input) { page in
                            guard !finished else { return }
                            if page.isPage { pagesRead += 1 }
                            finished = page.checkpoint == nil || page.error != nil
                            if try await record(page, of: input, number: pagesRead, observer: observer, limit: job.scope.limit) {
                                throw LimitReached()  // no further page is fetched
                            }
                        }
                    } catch is LimitReached {
                        break inputs
                    }
                    guard stopReason == nil else { return }
                    if !finished {  // a collector that stopped without a last page: the input ends here, not again and again
                        let issue = SourceIssue(location: input.input, message: "collection stopped before the input's last page")
                        _ = try await record(CollectedPage(items: [], issues: [issue]), of: input, number: pagesRead, observer: observer, limit: nil)
                    }
                }
                if stopReason != nil { return }
                try await store.finishCollection(jobID: jobID)
            }
            control.withLock { $0.collectionDone = true }
            news.ring()
        } catch is CancellationError {
        } catch {
            Self.logger.error("collection failed", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
            try? await store.appendEvent(jobID: jobID, kind: "error", message: "collection failed: \(error)")
            control.withLock {
                $0.collectionError = "collection failed: \(error)"
                $0.collectionDone = true
            }
            news.ring()
        }
    }

    private struct LimitReached: Error {}

    /// Records one page of `input`: its issues as events, its items in batches (a page of a
    /// paged input in one, with how far the input got), and with the last batch how far the
    /// input got. True when the job's limit of new items stopped it.
    private func record(
        _ page: CollectedPage, of input: JobInput, number: Int, observer: some GraphObserver<MediaItem>, limit: Int?
    ) async throws -> Bool {
        for issue in page.issues {
            await observer.graph(.sourceIssue(issue))
            try await store.appendEvent(jobID: jobID, kind: "issue", message: issue.description)
        }
        var items = page.items[...], addedEarlier = 0
        repeat {
            try await waitBelowHighWater()
            guard stopReason == nil else { throw CancellationError() }
            let batch = items.prefix(page.isPage ? items.count : settings.enqueueBatch)
            items = items.dropFirst(batch.count)
            let progress = items.isEmpty
                ? InputProgress(
                    position: input.position, checkpoint: page.checkpoint, page: page.isPage ? number : nil, addedEarlier: addedEarlier,
                    addedInputs: page.inputs, error: page.error)
                : nil
            let result = try await store.enqueue(jobID: jobID, items: Array(batch), progress: progress, newItemLimit: limit)
            news.ring()
            if result.limitReached { return true }
            addedEarlier += result.added
        } while !items.isEmpty
        return false
    }

    private func waitBelowHighWater() async throws {
        while stopReason == nil {
            let counters = try await store.counters(jobID: jobID)
            if counters[.pending] + counters[.interrupted] < settings.highWater { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func heartbeatLoop(_ counting: StageCountingObserver) async {
        var report = WorkReport()
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: settings.heartbeat)
                try await store.renewLeases(holder: runner, leaseDuration: settings.leaseDuration)
                try await store.interruptExpiredLeases()  // another runner's, which stopped renewing
                let (item, rate) = report.next(settings.transfers?() ?? [], received: settings.receivedBytes?())
                try await store.workerHeartbeat(id: runner, jobID: jobID, currentItem: item, bytesPerSecond: rate)
                if settings.shared {
                    try await store.releaseOrphanedJobs(staleAfter: settings.leaseDuration)
                    try await checkOwnership()
                }
                try await store.addStageCounts(jobID: jobID, counting.takeDeltas())
            } catch is CancellationError {
                return
            } catch {
                Self.logger.error("heartbeat failed", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
            }
        }
    }

    private func stepLoop() async {
        let clock = ContinuousClock()
        var lastTransfers = clock.now
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: settings.stepInterval)
            } catch {
                return
            }
            writeSteps()
            if let transfers = settings.transfers, clock.now - lastTransfers >= settings.transferInterval {
                lastTransfers = clock.now
                let samples = transfers()
                if !samples.isEmpty { store.submitTransfers(samples) }
            }
        }
    }

    private func writeSteps() {
        let latest = steps.take()
        if !latest.isEmpty { store.submitSteps(latest) }
    }

    private func commandLoop() async {
        while !Task.isCancelled, !helping {
            do {
                for command in try await store.takeCommands(jobID: jobID, consumer: runner) {
                    let result = try await obey(command)
                    try await store.completeCommand(command.id, result: result)
                }
                try await Task.sleep(for: settings.commandPoll)
            } catch is CancellationError {
                return
            } catch {
                Self.logger.error("reading commands failed", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
                try? await Task.sleep(for: settings.commandPoll)
            }
        }
    }

    /// An owner on a shared store that was taken for dead (its heartbeat could not reach the
    /// store for longer than a lease) and had its job given to another worker carries on as a
    /// helper: no more collecting, commands or verdict; its in-flight items finish under their
    /// leases.
    private func checkOwnership() async throws {
        guard !helping, let job = try await store.job(jobID), job.runner != runner else { return }
        Self.logger.warning(
            "the job passed to another runner; this one finishes its items as a helper",
            metadata: ["job.id": "\(jobID)", "runner": "\(runner)", "owner": "\(job.runner ?? "none")"])
        control.withLock { $0.helping = true }
        requestPause()
    }

    /// A helper follows the job's status: a pause (requested or done) stops its claiming and
    /// lets in-flight items finish, a cancel stops it at once, anything but running ends it.
    private func statusLoop() async {
        while !Task.isCancelled {
            do {
                let job = try await store.job(jobID)
                if let job { control.withLock { $0.collectionDone = job.collectionDone } }
                switch job?.status {
                case .running: break
                case .canceled: requestCancel()
                default: requestPause()
                }
                try await Task.sleep(for: settings.commandPoll)
            } catch is CancellationError {
                return
            } catch {
                Self.logger.error("reading the job failed", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
                try? await Task.sleep(for: settings.commandPoll)
            }
        }
    }

    private func obey(_ command: JobCommand) async throws -> String {
        switch command.kind {
        case .pause:
            let immediate = command.argument == "immediate"
            _ = try? await store.transitionJob(jobID, to: .pauseRequested, runner: runner, error: nil)
            requestPause(immediate: immediate)
            return immediate ? "pausing now: in-flight items go back to the queue" : "pausing: in-flight items finish first"
        case .resume:
            return "not paused"
        case .cancel:
            requestCancel()
            return "canceling"
        case .retryItem, .forceRetryItem:
            let count = try await store.retryItems(jobID: jobID, itemKey: command.argument, force: command.kind == .forceRetryItem)
            return "requeued \(count) item(s)"
        }
    }
}

/// The claiming head of a job's graph: claims pending items in batches under fresh leases
/// and emits them, until the job is paused or stopped, or collection is done and nothing is
/// left to claim.
struct ClaimSource: ItemSource {
    let run: JobRun
    var name: String { "job \(run.jobID)" }

    func produce(into emit: (MediaItem) async throws -> Void, context: SourceContext) async throws {
        // The next batch is claimed while this one is emitted, so the pipeline never waits for
        // a claim's commit.
        var next: Task<(claimed: [ClaimedItem], final: Bool), any Error>? = claimTask()
        defer { next?.cancel() }
        // A store that cannot be reached for a while (a database server restarting) is waited
        // for, up to two minutes, before the claim counts as failed.
        var backoff = Duration.milliseconds(250), unreachable = Duration.zero
        while let pending = next {
            let claimed: [ClaimedItem], final: Bool
            do {
                (claimed, final) = try await pending.value
                unreachable = .zero
            } catch let error as StoreError where error.isTransient && unreachable < .seconds(120) && run.stopReason == nil {
                try await Task.sleep(for: backoff)
                (unreachable, backoff) = (unreachable + backoff, min(backoff * 2, .seconds(5)))
                next = claimTask()
                continue
            } catch {
                // The graph would take a failing source for an input problem: the run must know.
                run.noteClaimError(error)
                throw error
            }
            next = nil
            if claimed.isEmpty {
                if run.stopReason != nil { return }
                let wait: Duration?
                do {
                    wait = try await idleWait(final: final)
                    unreachable = .zero
                } catch let error as StoreError where error.isTransient && unreachable < .seconds(120) {
                    (wait, unreachable, backoff) = (backoff, unreachable + backoff, min(backoff * 2, .seconds(5)))
                }
                guard let wait else { return }
                try await run.news.wait(upTo: wait)
                next = claimTask()
                continue
            }
            if run.stopReason == nil { next = claimTask() }
            for (index, claim) in claimed.enumerated() {
                guard run.stopReason == nil else {
                    try await release(claimed[index...])  // never started: pending again
                    if let next { try await release(try await next.value.claimed[...]) }
                    return
                }
                run.inFlight.add(1, ordering: .sequentiallyConsistent)
                do {
                    try await emit(claim.item)  // an item the graph could not take is settled (and counted out) by it
                } catch {
                    try? await release(claimed[(index + 1)...])
                    if let next { try? await release(try await next.value.claimed[...]) }
                    throw error
                }
            }
        }
    }

    /// With nothing claimed: how long to wait before claiming again, or nil when nothing is
    /// left for this run. Not done while an item in the graph may still come back for a
    /// retry, or one waits for its next try (then it sleeps towards it, waking often enough to
    /// notice a pause); the owner on a shared store also waits for the items other runners hold
    /// (one that dies has them rescued, claimable here), while a helper leaves.
    private func idleWait(final: Bool) async throws -> Duration? {
        let poll = run.settings.idlePoll
        guard final, run.inFlight.load(ordering: .sequentiallyConsistent) == 0 else { return poll }
        try await run.store.flush()  // queued outcomes first: a retry is an open item
        guard let due = try await run.store.earliestOpenItem(jobID: run.jobID) else {
            guard run.settings.shared, !run.helping,
                try await run.store.runningItems(jobID: run.jobID, limit: 1_000).contains(where: { $0.holder != run.runner })
            else { return nil }
            return .milliseconds(250)
        }
        return .milliseconds(Int(min(max(due.timeIntervalSinceNow, poll.seconds), 0.5) * 1000))
    }

    /// Claims a batch; `final` when collection was done before the claim (so an empty claim
    /// means the job has nothing left).
    private func claimTask() -> Task<(claimed: [ClaimedItem], final: Bool), any Error> {
        Task { [run] in
            var limit = run.settings.claimBatch
            if let most = run.settings.maxHeld {
                while run.stopReason == nil, run.inFlight.load(ordering: .sequentiallyConsistent) >= most {
                    try await Task.sleep(for: .milliseconds(20))
                }
                limit = min(limit, max(1, most - run.inFlight.load(ordering: .sequentiallyConsistent)))
            }
            let final = run.collectionDone
            guard run.stopReason == nil else { return ([], final) }
            let claimed = try await run.store.claim(
                jobID: run.jobID, holder: run.runner, limit: limit, leaseDuration: run.settings.leaseDuration)
            return (claimed, final)
        }
    }

    /// Claimed but never started: back to the queue.
    private func release(_ claims: ArraySlice<ClaimedItem>) async throws {
        for claim in claims { try? await run.store.settle(claim.lease, .released) }
    }
}

/// Records each item's steps and outcome under its lease, queued for the next group commit
/// (the run flushes before it counts its items). Steps are kept as each item's latest and
/// written together every `stepInterval`: a step an item passes in microseconds costs no write
/// of its own. A write refused because the lease has passed
/// on changes nothing: the newer attempt owns the item.
struct JobLedger: ItemLedger {
    let store: any JobStore
    let run: JobRun

    static let bytes = Counter(label: "engine_item_bytes_total")
    /// Items settled, by outcome (metrics): one counter each, made once (no lock on the way).
    private static let outcomes: [String: Counter] = Dictionary(
        uniqueKeysWithValues: ["succeeded", "failed", "retry", "skipped", "canceled", "interrupted", "released"].map {
            ($0, Counter(label: "engine_items_settled_total", dimensions: [("outcome", $0)]))
        })

    static func settled(_ outcome: ItemOutcome) -> Counter {
        let name =
            switch outcome {
            case .succeeded: "succeeded"
            case .failed: "failed"
            case .retry: "retry"
            case .skipped: "skipped"
            case .canceled: "canceled"
            case .interrupted: "interrupted"
            case .released: "released"
            }
        return outcomes[name]!
    }

    func step(_ item: MediaItem, stage: String) async throws {
        guard let lease = item.lease else { return }
        run.steps.set(lease, stage)
    }

    func settle(_ item: MediaItem, _ outcome: GraphOutcome) async throws {
        guard let lease = item.lease else { return }
        let end: ItemOutcome =
            switch outcome {
            case .completed: .succeeded(bytes: item.byteCount)
            case .failed(let stage, let error):
                Self.fallsBack(item, stage: stage)
                    ? .retry(error: "\(error)", kind: (error as? any ClassifiedError)?.kind ?? .other, after: .zero)
                    : failure(error, attempt: item.attempt)
            case .skipped(_, let reason): .skipped(reason: reason)
            case .stopped: run.stopReason == .cancel ? .canceled : .interrupted
            case .released: .released
            }
        if case .failed(let stage, let error) = outcome { await recordSourceFailure(item, stage: stage, error: error, lease: lease) }
        run.steps.remove(lease)  // a later step write would find the item settled
        store.submitSettle(lease, end)
        Self.settled(end).increment()
        if case .succeeded(let bytes?) = end { Self.bytes.increment(by: bytes) }
        if run.inFlight.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 { run.news.ring() }
    }

    /// The stages whose failure blames the source the item came from (a broken or truncated
    /// file, a transfer that failed): with other candidates left, the item falls back to the
    /// next one at once — whatever the error, and whatever tries the retry policy has left.
    static let sourceStages: Set<String> = ["download", "probe"]

    static func fallsBack(_ item: MediaItem, stage: String) -> Bool {
        item.alternatives > 0 && sourceStages.contains(stage) && item.attempt < fallbackLimit
    }

    /// Attempts after which an item no longer falls back at once (a bound however the
    /// resolver counts): the retry policy decides.
    static let fallbackLimit = 32

    /// What the item was downloaded from failed it (in a source stage): recorded for the
    /// resolver, before the outcome, so the next attempt knows which candidate to leave out.
    private func recordSourceFailure(_ item: MediaItem, stage: String, error: any Error, lease: ItemLease) async {
        guard Self.sourceStages.contains(stage), let url = item.resolvedURL, let traces = store as? any ResolveTraceStore else { return }
        let failure = SourceFailure(source: item.resolvedSource ?? item.source, url: url, attempt: item.attempt, error: "\(error)")
        do {
            try await traces.recordSourceFailure(failure, lease: lease)
        } catch {
            Self.logger.error("recording a source failure failed", metadata: ["item.key": "\(item.key)", "error": "\(error)"])
        }
    }

    private static var logger: Logger { Logger(label: "engine.jobs") }

    /// A transient error with tries left is a retry after the policy's backoff; any other
    /// error fails the item at once.
    private func failure(_ error: any Error, attempt: Int) -> ItemOutcome {
        let kind = (error as? any ClassifiedError)?.kind ?? .other
        let message = "\(error)"  // the store redacts what it records
        if let delay = run.settings.retry.delay(after: attempt, failingWith: error, random: Double.random(in: 0..<1)) {
            return .retry(error: message, kind: kind, after: delay)
        }
        return .failed(error: message, kind: kind)
    }
}

/// Counts, per stage, the items that finished it, failed in it or were skipped by it, for the
/// job's stage counters; passes every event on.
final class StageCountingObserver: GraphObserver {
    private let inner: any GraphObserver<MediaItem>
    private let deltas = Mutex<[String: JobStageCounters]>([:])
    /// Whether the ledger will send a failure (in this stage, of this item, with this error) back for another try.
    private let willRetry: @Sendable (String, MediaItem, any Error) -> Bool

    init(_ inner: any GraphObserver<MediaItem>, willRetry: @escaping @Sendable (String, MediaItem, any Error) -> Bool) {
        self.inner = inner
        self.willRetry = willRetry
    }

    func graph(_ event: GraphEvent<MediaItem>) async {
        if case .failed(let stage, let item, let error) = event, willRetry(stage, item, error) {
            await inner.graph(.retrying(stage: stage, item, error))
            return
        }
        switch event {
        case .finished(let stage, _): count(stage) { $0.finished += 1 }
        case .failed(let stage, _, _): count(stage) { $0.failed += 1 }
        case .skipped(let stage, _, _): count(stage) { $0.skipped += 1 }
        default: break
        }
        await inner.graph(event)
    }

    private func count(_ stage: String, _ change: (inout JobStageCounters) -> Void) {
        deltas.withLock { deltas in change(&deltas[stage, default: JobStageCounters(name: stage)]) }
    }

    func takeDeltas() -> [JobStageCounters] {
        deltas.withLock { deltas in
            defer { deltas.removeAll() }
            return Array(deltas.values)
        }
    }
}

/// Each running item's latest step, until the next write.
final class StepBuffer: Sendable {
    private let latest = Mutex<[ItemLease: String]>([:])

    func set(_ lease: ItemLease, _ step: String) { latest.withLock { $0[lease] = step } }
    func remove(_ lease: ItemLease) { _ = latest.withLock { $0.removeValue(forKey: lease) } }

    func take() -> [(lease: ItemLease, step: String)] {
        latest.withLock { latest in
            defer { latest.removeAll(keepingCapacity: true) }
            return latest.map { (lease: $0.key, step: $0.value) }
        }
    }
}
