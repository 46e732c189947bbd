import Engine
import Foundation
import PostgresStore
import Testing
import TestSupport

/// The queue's contract, for any `JobStore`: each test runs against every implementation in
/// `Kind`, SQLite and PostgreSQL (a schema of its own per test, in the suite's one cluster).
@Suite struct JobQueueContractTests {
    enum Kind: String, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        var description: String { rawValue }
    }

    /// A fresh store of `kind`; the directory keeps it alive for the test.
    func makeStore(_ kind: Kind) async throws -> (any JobStore, TemporaryDirectory) {
        let dir = try TemporaryDirectory("queue")
        switch kind {
        case .sqlite: return (try SQLiteJobStore(path: dir.file("engine.sqlite").path), dir)
        case .postgres:
            let store = try await PostgresJobStore.open(
                url: PostgresStoreURL(PostgresCluster.shared.url), schema: PostgresCluster.uniqueSchema(), password: PostgresCluster.password,
                maximumConnections: 4)
            return (store, dir)
        }
    }

    func items(_ count: Int, prefix: String = "i") -> [MediaItem] {
        (0..<count).map { MediaItem(source: "test", remoteID: "\(prefix)\($0)", title: "T\($0)", url: "file:///\(prefix)\($0).mp3") }
    }

    func job(_ store: any JobStore, inputs: [String] = ["a", "b"]) async throws -> JobRecord {
        try await store.createJob(JobSpec(type: .ingest, inputs: inputs, stages: ["catalog", "download"]))
    }

    @Test(arguments: Kind.allCases)
    func enqueueKeepsTheFirstOfEachKeyAndRemembersFinishedInputs(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        #expect(try await store.enqueue(jobID: job.id, items: items(3), completingInput: nil) == 3)
        #expect(try await store.enqueue(jobID: job.id, items: items(5), completingInput: 0) == 2, "three keys were there already")
        let inputs = try await store.jobInputs(job.id)
        #expect(inputs.map(\.done) == [true, false])
        #expect(try await store.counters(jobID: job.id)[.pending] == 5)
        #expect(try await store.job(job.id)?.collected == 5)
    }

    /// A claim says which items have no original linked to their catalog record (the catalog
    /// stage then reads nothing for them): here the one stored before is the only one that has.
    @Test(arguments: Kind.allCases)
    func aClaimSaysWhichItemsHaveAStoredOriginal(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        let listed = items(3)
        let stored = try await store.upsertItem(listed[1]).itemID
        _ = try await store.recordOriginal(
            itemID: stored, sha256: String(repeating: "a", count: 64), size: 1, format: "mp3", backend: "library", locator: "a/T1.mp3",
            description: nil, lease: nil)
        try await store.enqueue(jobID: job.id, items: listed, completingInput: nil)
        let claimed = try await store.claim(jobID: job.id, holder: "r", limit: 3, leaseDuration: .seconds(30))
        #expect(claimed.map(\.item.remoteID) == ["i0", "i1", "i2"])
        #expect(claimed.map(\.item.catalogHasOriginal) == [false, true, false])
    }

    @Test(arguments: Kind.allCases)
    func aClaimTakesEachItemOnceWithAFreshLease(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(10), completingInput: nil)
        let first = try await store.claim(jobID: job.id, holder: "r1", limit: 4, leaseDuration: .seconds(30))
        let second = try await store.claim(jobID: job.id, holder: "r2", limit: 100, leaseDuration: .seconds(30))
        #expect(first.count == 4 && second.count == 6)
        #expect(Set((first + second).map(\.lease.jobItemID)).count == 10, "no item claimed twice")
        #expect(Set((first + second).map(\.lease.token)).count == 10, "a token per attempt")
        #expect(first.map(\.item.remoteID) == ["i0", "i1", "i2", "i3"], "oldest first")
        #expect(first.allSatisfy { $0.item.catalogID != nil && $0.item.lease == $0.lease && $0.attempt == 1 })
        #expect(try await store.claim(jobID: job.id, holder: "r3", limit: 10, leaseDuration: .seconds(30)).isEmpty)
        #expect(try await store.counters(jobID: job.id)[.running] == 10)
    }

    /// Fencing: once a lease has passed to another attempt, the old holder's writes change
    /// nothing (settle, step, and the catalog writes that carry the lease).
    /// A job of one item whose first attempt's lease expired and passed on to a second attempt.
    func passedOnLease(_ store: any JobStore) async throws -> (job: JobRecord, stale: ClaimedItem, fresh: ClaimedItem) {
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(1), completingInput: nil)
        let stale = try #require(try await store.claim(jobID: job.id, holder: "old", limit: 1, leaseDuration: .milliseconds(1)).first)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await store.interruptExpiredLeases() == 1)
        let fresh = try #require(try await store.claim(jobID: job.id, holder: "new", limit: 1, leaseDuration: .seconds(30)).first)
        return (job, stale, fresh)
    }

    @Test(arguments: Kind.allCases)
    func aWriteUnderALeaseThatPassedOnIsRefusedAndChangesNothing(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let (job, stale, fresh) = try await passedOnLease(store)
        #expect(fresh.attempt == 2 && fresh.lease != stale.lease)

        await #expect(throws: StoreError.self) { try await store.settle(stale.lease, .failed(error: "old attempt")) }
        await #expect(throws: StoreError.self) { try await store.recordStep(stale.lease, step: "download") }
        await #expect(throws: StoreError.self) {
            _ = try await store.recordOriginal(
                itemID: stale.item.catalogID!, sha256: "aaa", size: 1, format: nil, backend: "library", locator: "x.mp3",
                description: nil, lease: stale.lease)
        }
        #expect(try await store.storedOriginal(sha256: "aaa", backend: "library") == nil, "the refused write left no asset")
        await #expect(throws: StoreError.self) {
            try await store.saveProcessorResult(itemID: stale.item.catalogID!, processor: "probe", version: 1, json: "{}", description: nil, lease: stale.lease)
        }
        #expect(try await store.processorResult(itemID: stale.item.catalogID!, processor: "probe") == nil)
        #expect(try await store.counters(jobID: job.id)[.running] == 1, "the new attempt still owns the item")

        try await store.recordStep(fresh.lease, step: "store")
        try await store.settle(fresh.lease, .succeeded(bytes: 1))
        #expect(try await store.counters(jobID: job.id)[.succeeded] == 1)
        await #expect(throws: StoreError.self) { try await store.settle(fresh.lease, .failed(error: "twice")) }
    }

    /// Content placing is claimed by one live attempt at a time: others are told to wait; the
    /// claim dies with its attempt (settled, or its lease expired) and only its holder releases
    /// it; recording the content makes it placed, which `replacing` claims again.
    @Test(arguments: Kind.allCases)
    func contentIsClaimedByOneLiveAttemptAtATimeAndPlacedOnceRecorded(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(4), completingInput: nil)
        let claims = try await store.claim(jobID: job.id, holder: "r", limit: 3, leaseDuration: .seconds(30))
        let (a, b, c) = (claims[0].lease, claims[1].lease, claims[2])
        let content = ContentKey.original(sha256: "abc")
        func claim(_ lease: ItemLease, _ key: ContentKey = content, replacing: Bool = false) async throws -> ContentClaim {
            try await store.claimContent(key, backend: "library", lease: lease, replacing: replacing)
        }
        #expect(try await claim(a) == .claimed)
        #expect(try await claim(a) == .claimed, "an attempt's own claim")
        #expect(try await claim(b) == .busy)
        try await store.settle(a, .failed(error: "placing failed"))
        #expect(try await claim(b) == .claimed, "the claim died with its attempt")
        try await store.releaseContent(content, backend: "library", lease: a)
        #expect(try await claim(c.lease) == .busy, "a stale attempt's release leaves the holder's claim")
        _ = try await store.recordOriginal(
            itemID: claims[1].item.catalogID!, sha256: "abc", size: 3, format: nil, backend: "library", locator: "abc.mp3",
            description: nil, lease: b)
        #expect(try await claim(c.lease) == .placed)
        #expect(try await claim(c.lease, replacing: true) == .claimed)
        try await store.releaseContent(content, backend: "library", lease: c.lease)
        #expect(try await claim(b) == .claimed, "released")

        let rendition = ContentKey.rendition(of: "abc", profile: "aac")
        #expect(try await claim(c.lease, rendition) == .claimed, "a rendition is its own content")
        _ = try await store.recordRendition(
            itemID: c.item.catalogID!, originalSHA256: "abc", profile: "aac", sha256: "def", size: 2, format: "m4a", warnings: [],
            key: nil, backend: "library", locator: "abc.aac.m4a", lease: c.lease)
        #expect(try await claim(b, rendition) == .placed)

        let short = try #require(try await store.claim(jobID: job.id, holder: "gone", limit: 1, leaseDuration: .milliseconds(1)).first)
        let other = ContentKey.original(sha256: "fff")
        #expect(try await claim(short.lease, other) == .claimed)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await claim(b, other) == .claimed, "a holder whose lease expired no longer holds it")
    }

    @Test(arguments: Kind.allCases)
    func aHeartbeatKeepsTheLeaseAndADeadHoldersItemsAreRequeued(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(4), completingInput: nil)
        let alive = try await store.claim(jobID: job.id, holder: "alive", limit: 2, leaseDuration: .milliseconds(1))
        _ = try await store.claim(jobID: job.id, holder: "dead", limit: 2, leaseDuration: .seconds(60))
        #expect(try await store.renewLeases(holder: "alive", leaseDuration: .seconds(60)) == 2)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await store.interruptExpiredLeases() == 0, "renewed leases have not expired")
        #expect(try await store.interruptItems(heldBy: ["dead"]) == 2)
        let counters = try await store.counters(jobID: job.id)
        #expect(counters[.interrupted] == 2 && counters[.running] == 2)
        let again = try await store.claim(jobID: job.id, holder: "next", limit: 10, leaseDuration: .seconds(30))
        #expect(again.count == 2 && again.allSatisfy { $0.attempt == 2 })
        for claim in alive { try await store.settle(claim.lease, .succeeded(bytes: nil)) }
    }

    @Test(arguments: Kind.allCases)
    func retryRequeuesFailedItemsAndForceAlsoSucceededOnes(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(3), completingInput: nil)
        let claimed = try await store.claim(jobID: job.id, holder: "r", limit: 3, leaseDuration: .seconds(30))
        try await store.settle(claimed[0].lease, .failed(error: "HTTP 500"))
        try await store.settle(claimed[1].lease, .succeeded(bytes: 10))
        try await store.settle(claimed[2].lease, .interrupted)
        #expect(try await store.failedItems(jobID: job.id, limit: 10).map(\.error) == ["HTTP 500"])
        #expect(try await store.retryItems(jobID: job.id, itemKey: nil, force: false) == 1)
        #expect(try await store.retryItems(jobID: job.id, itemKey: claimed[1].itemKey, force: true) == 1)
        let counters = try await store.counters(jobID: job.id)
        #expect(counters[.pending] == 2 && counters[.interrupted] == 1)
        #expect(try await store.cancelOpenItems(jobID: job.id) == 3)
    }

    /// A retry waits its time in the queue: not claimable before it, counted as waiting, its
    /// failed try kept with the item; claimed once due.
    @Test(arguments: Kind.allCases)
    func aRetryIsClaimableOnlyOnceItsTimeHasCome(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(2), completingInput: nil)
        let claimed = try await store.claim(jobID: job.id, holder: "r", limit: 2, leaseDuration: .seconds(30))
        try await store.settle(claimed[0].lease, .retry(error: "HTTP 503", kind: .http5xx, after: .seconds(3600)))
        try await store.settle(claimed[1].lease, .retry(error: "reset", kind: .network, after: .zero))
        let counters = try await store.counters(jobID: job.id)
        #expect(counters[.pending] == 2 && counters.waitingToRetry == 2)
        let waiting = try await store.retryingItems(jobID: job.id, limit: 10)
        #expect(waiting.map(\.history.count) == [1, 1] && waiting.first?.kind == .http5xx)
        let again = try await store.claim(jobID: job.id, holder: "r", limit: 10, leaseDuration: .seconds(30))
        #expect(again.map(\.itemKey) == [claimed[1].itemKey], "only the due one")
        #expect(try await store.counters(jobID: job.id).waitingToRetry == 1)
    }

    @Test(arguments: Kind.allCases)
    func commandsAreTakenOnceInOrderAndEventsKept(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.submitCommand(jobID: job.id, kind: .pause, argument: nil)
        try await store.submitCommand(jobID: job.id, kind: .retryItem, argument: "test:i1")
        let taken = try await store.takeCommands(jobID: job.id, consumer: "r")
        #expect(taken.map(\.kind) == [.pause, .retryItem])
        #expect(taken.last?.argument == "test:i1")
        #expect(try await store.takeCommands(jobID: job.id, consumer: "other").isEmpty)
        await #expect(throws: StoreError.self) { try await store.submitCommand(jobID: 999, kind: .cancel, argument: nil) }
        try await store.appendEvent(jobID: job.id, kind: "note", message: "hello")
        #expect(try await store.events(jobID: job.id, limit: 1).map(\.message) == ["hello"])
    }

    /// A runner takes a job only from the statuses it names: a pause or cancel that reached
    /// the store first wins. A new lock holder requeues items of every other holder.
    @Test(arguments: Kind.allCases)
    func aJobIsTakenOnlyFromTheNamedStatusesAndOtherHoldersItemsAreRequeued(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.transitionJob(job.id, to: .paused, runner: nil, error: nil)
        await #expect(throws: IllegalTransition.self) { try await store.startJob(job.id, runner: "w", from: [.queued]) }
        #expect(try await store.job(job.id)?.status == .paused)
        #expect(try await store.startJob(job.id, runner: "w", from: [.queued, .paused]).status == .running)
        #expect(try await store.jobs(in: [.running]).map(\.id) == [job.id])

        try await store.enqueue(jobID: job.id, items: items(3), completingInput: nil)
        _ = try await store.claim(jobID: job.id, holder: "stopped-runner", limit: 2, leaseDuration: .seconds(60))
        _ = try await store.claim(jobID: job.id, holder: "me", limit: 1, leaseDuration: .seconds(60))
        #expect(try await store.interruptItems(notHeldBy: "me") == 2)
        let counters = try await store.counters(jobID: job.id)
        #expect(counters[.interrupted] == 2 && counters[.running] == 1)
    }

    /// A claimed item is what the collector found: every collected field comes back.
    @Test(arguments: Kind.allCases)
    func aClaimedItemIsWhatTheCollectorFound(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        let found = MediaItem(
            source: "radio", remoteID: "ep-7", title: "Episode 7", titleIsFileName: true, creators: ["Host A", "Guest B"],
            collection: CollectionRef(kind: .feed, locator: "https://example.com/feed.xml", title: "The Show"), position: 7,
            durationHint: 1800.5, url: "https://example.com/ep7.mp3")
        try await store.enqueue(jobID: job.id, items: [found], completingInput: nil)
        let item = try #require(try await store.claim(jobID: job.id, holder: "r", limit: 1, leaseDuration: .seconds(30)).first?.item)
        #expect(item.key == found.key && item.title == found.title && item.titleIsFileName && item.url == found.url)
        #expect(item.creators == ["Host A", "Guest B"])
        #expect(item.collection == found.collection && item.position == 7 && item.durationHint == 1800.5)
    }

    /// A source's cap counts the slots of running attempts only: a slot frees itself when its
    /// attempt settles or its lease passes on, a holder asking again keeps its one slot, and an
    /// attempt whose lease has passed on cannot take one.
    @Test(arguments: Kind.allCases)
    func aSourcesSlotsAreHeldByRunningAttemptsOnly(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(4), completingInput: nil)
        let claimed = try await store.claim(jobID: job.id, holder: "r", limit: 4, leaseDuration: .seconds(30)).map(\.lease)
        #expect(try await store.takeSourceSlot("cdn", limit: 2, lease: claimed[0]))
        #expect(try await store.takeSourceSlot("cdn", limit: 2, lease: claimed[0]), "asked again: the same slot")
        #expect(try await store.takeSourceSlot("cdn", limit: 2, lease: claimed[1]))
        #expect(try await store.takeSourceSlot("cdn", limit: 2, lease: claimed[2]) == false, "two of two held")
        #expect(try await store.takeSourceSlot("other", limit: 1, lease: claimed[2]), "each source counts its own")

        try await store.releaseSourceSlot("cdn", lease: claimed[0])
        #expect(try await store.takeSourceSlot("cdn", limit: 2, lease: claimed[2]))
        #expect(try await store.takeSourceSlot("cdn", limit: 2, lease: claimed[3]) == false)
        try await store.settle(claimed[1], .succeeded(bytes: 1))
        #expect(try await store.takeSourceSlot("cdn", limit: 2, lease: claimed[3]), "a settled attempt's slot is free")

        // An attempt whose lease passed on: its slot is free, and it cannot take another.
        try await store.enqueue(jobID: job.id, items: items(1, prefix: "late"), completingInput: nil)
        let stale = try #require(try await store.claim(jobID: job.id, holder: "old", limit: 1, leaseDuration: .milliseconds(1)).first?.lease)
        #expect(try await store.takeSourceSlot("solo", limit: 1, lease: stale))
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await store.interruptExpiredLeases() == 1)
        let fresh = try #require(try await store.claim(jobID: job.id, holder: "new", limit: 1, leaseDuration: .seconds(30)).first?.lease)
        #expect(try await store.takeSourceSlot("solo", limit: 1, lease: fresh), "the old attempt's slot freed itself")
        await #expect(throws: StoreError.self) { try await store.takeSourceSlot("other", limit: 5, lease: stale) }
    }
}
