import Engine
import Foundation
import Synchronization
import Testing
import TestSupport

/// Emits 0..<count.
struct CountingSource: ItemSource {
    let count: Int
    var name: String { "count(\(count))" }

    func produce(into emit: (Int) async throws -> Void, context: SourceContext) async throws {
        for value in 0..<count { try await emit(value) }
    }
}

/// A stage whose work is a closure.
struct ClosureStage: ItemStage {
    let name: String
    var concurrency: Int = 1
    var lane: LaneKind? = nil
    let body: @Sendable (Int, StageContext) async throws -> StageResult<Int>

    func process(_ item: Int, context: StageContext) async throws -> StageResult<Int> {
        try await body(item, context)
    }
}

/// Tallies events and the most items inside the graph at once.
final class TallyObserver: GraphObserver {
    struct Tally {
        var inFlight = 0
        var peakInFlight = 0
        var completed: [Int] = []
        var failed: [(stage: String, item: Int, message: String)] = []
        var canceled = 0
    }
    let tally = Mutex(Tally())

    var snapshot: Tally { tally.withLock { $0 } }

    func graph(_ event: GraphEvent<Int>) async {
        tally.withLock { tally in
            switch event {
            case .collected:
                tally.inFlight += 1
                tally.peakInFlight = max(tally.peakInFlight, tally.inFlight)
            case .completed(let item):
                tally.inFlight -= 1
                tally.completed.append(item)
            case .failed(let stage, let item, let error):
                tally.inFlight -= 1
                tally.failed.append((stage, item, "\(error)"))
            case .skipped:
                tally.inFlight -= 1
            case .canceled:
                tally.inFlight -= 1
                tally.canceled += 1
            case .released, .retrying:
                tally.inFlight -= 1
            case .started, .finished, .sourceIssue:
                break
            }
        }
    }
}

struct Poisoned: Error, CustomStringConvertible {
    let item: Int
    var description: String { "item \(item) is poisoned" }
}

@Suite struct GraphTests {
    let temp = FileManager.default.temporaryDirectory

    static func pass(_ name: String, concurrency: Int = 1) -> ClosureStage {
        ClosureStage(name: name, concurrency: concurrency) { item, _ in .forward(item) }
    }

    @Test func itemsInFlightNeverExceedChannelsPlusWorkers() async throws {
        let slowSink = ClosureStage(name: "slow-sink") { item, _ in
            for _ in 0..<20 { await Task.yield() }
            return .forward(item)
        }
        let graph = Graph(
            source: CountingSource(count: 100_000),
            stages: [Self.pass("a", concurrency: 2), Self.pass("b", concurrency: 3), slowSink],
            channelCapacity: 8)
        let observer = TallyObserver()
        try await graph.run(lanes: Lanes(), temporaryDirectory: temp, observer: observer)
        let tally = observer.snapshot
        #expect(tally.completed.count == 100_000)
        #expect(tally.peakInFlight <= graph.maximumInFlight)
        #expect(tally.peakInFlight >= 8, "the slow sink should have filled the channels")
    }

    @Test func aStageNeverRunsMoreThanItsConcurrency() async throws {
        let probe = ConcurrencyProbe()
        // The first three items wait inside until all three are there: the workers overlap
        // by construction, not by timing; a fourth worker would be seen by the probe.
        let together = Barrier(count: 3)
        let stage = ClosureStage(name: "bounded", concurrency: 3) { item, _ in
            probe.enter()
            defer { probe.leave() }
            if item < 3 { await together.arrive() }
            for _ in 0..<10 { await Task.yield() }
            return .forward(item)
        }
        let observer = TallyObserver()
        try await withDeadline("the graph finishes", timeout: .seconds(120)) {
            try await Graph(source: CountingSource(count: 200), stages: [stage])
                .run(lanes: Lanes(), temporaryDirectory: self.temp, observer: observer)
        }
        #expect(observer.snapshot.completed.count == 200)
        #expect(probe.peak == 3, "three workers, all busy at once, never more")
    }

    @Test func aLaneLimitHoldsAcrossTwoStagesThatShareIt() async throws {
        let probe = ConcurrencyProbe()
        // Two items hold both permits until both are inside; eight workers wait for them.
        let together = Barrier(count: 2)
        let work: @Sendable (Int, StageContext) async throws -> StageResult<Int> = { item, _ in
            probe.enter()
            defer { probe.leave() }
            await together.arrive()
            for _ in 0..<10 { await Task.yield() }
            return .forward(item)
        }
        let stages = [
            ClosureStage(name: "first", concurrency: 4, lane: .cpu, body: work),
            ClosureStage(name: "second", concurrency: 4, lane: .cpu, body: work),
        ]
        let observer = TallyObserver()
        try await withDeadline("the graph finishes", timeout: .seconds(120)) {
            try await Graph(source: CountingSource(count: 200), stages: stages)
                .run(lanes: Lanes(LaneLimits(cpu: 2)), temporaryDirectory: self.temp, observer: observer)
        }
        #expect(observer.snapshot.completed.count == 200)
        #expect(probe.peak == 2, "eight workers saturate a two-permit lane and never exceed it")
    }

    @Test func onePoisonedItemDoesNotStopTheOthers() async throws {
        let poison = ClosureStage(name: "poison", concurrency: 2) { item, _ in
            if item == 500 { throw Poisoned(item: item) }
            return .forward(item)
        }
        let observer = TallyObserver()
        try await Graph(source: CountingSource(count: 1000), stages: [Self.pass("before"), poison, Self.pass("after")])
            .run(lanes: Lanes(), temporaryDirectory: temp, observer: observer)
        let tally = observer.snapshot
        #expect(tally.completed.count == 999)
        #expect(!tally.completed.contains(500))
        #expect(tally.failed.count == 1)
        #expect(tally.failed.first?.stage == "poison")
        #expect(tally.failed.first?.message == "item 500 is poisoned")
    }

    @Test func itemsAStageDoesNotHandlePassItByUnprocessed() async throws {
        struct OddsOnly: ItemStage {
            let lanes: Lanes
            var name: String { "odds" }
            var lane: LaneKind? { .network }
            func handles(_ item: Int) -> Bool { item % 2 == 1 }
            func process(_ item: Int, context: StageContext) async throws -> StageResult<Int> {
                #expect(item % 2 == 1, "only handled items are processed")
                #expect(lanes.network.inUse == 1, "under the stage's lane permit")
                return .forward(item * 10)
            }
        }
        let lanes = Lanes(LaneLimits(network: 1))
        let observer = TallyObserver()
        try await Graph(source: CountingSource(count: 6), stages: [OddsOnly(lanes: lanes), Self.pass("after")])
            .run(lanes: lanes, temporaryDirectory: temp, observer: observer)
        #expect(observer.snapshot.completed.sorted() == [0, 2, 4, 10, 30, 50])
        #expect(lanes.network.inUse == 0)
    }

    @Test func itemsGoPastEveryStageThatDoesNotHandleThemToTheNextThatDoes() async throws {
        final class Seen: Sendable {
            let items = Mutex<[Int]>([])
            var sorted: [Int] { items.withLock { $0 }.sorted() }
        }
        // Handles `handled` items only, and says which it processed.
        struct Picky: ItemStage {
            let name: String
            let handled: @Sendable (Int) -> Bool
            let seen = Seen()
            var concurrency: Int { 2 }
            func handles(_ item: Int) -> Bool { handled(item) }
            func process(_ item: Int, context: StageContext) async throws -> StageResult<Int> {
                #expect(handled(item), "\(name) got \(item)")
                seen.items.withLock { $0.append(item) }
                return .forward(item + 1000)
            }
        }
        let stages = [
            Picky(name: "none", handled: { _ in false }), Picky(name: "odds", handled: { $0 % 2 == 1 }),
            Picky(name: "none-again", handled: { _ in false }), Picky(name: "changed", handled: { $0 >= 1000 }),
            Picky(name: "last-none", handled: { _ in false }),
        ]
        let observer = TallyObserver()
        try await Graph(source: CountingSource(count: 8), stages: stages).run(lanes: Lanes(), temporaryDirectory: temp, observer: observer)
        #expect(stages[0].seen.sorted.isEmpty && stages[2].seen.sorted.isEmpty && stages[4].seen.sorted.isEmpty)
        #expect(stages[1].seen.sorted == [1, 3, 5, 7])
        #expect(stages[3].seen.sorted == [1001, 1003, 1005, 1007], "a later stage sees what an earlier one made")
        #expect(observer.snapshot.completed.sorted() == [0, 2, 4, 6, 2001, 2003, 2005, 2007])
    }

    @Test func skippedItemsLeaveTheGraphAndDeleteTheirTempFiles() async throws {
        let dir = try TemporaryDirectory("graph")
        let writer = ClosureStage(name: "writer") { item, context in
            _ = FileManager.default.createFile(atPath: context.temporaryPath(suffix: ".part"), contents: Data([1]))
            return item.isMultiple(of: 2) ? .skip(item, reason: "even") : .forward(item)
        }
        let observer = TallyObserver()
        try await Graph(source: CountingSource(count: 10), stages: [writer, Self.pass("after")])
            .run(lanes: Lanes(), temporaryDirectory: dir.url, observer: observer)
        #expect(observer.snapshot.completed.sorted() == [1, 3, 5, 7, 9])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func cancelStopsWorkAndLeavesNoTempFile() async throws {
        let dir = try TemporaryDirectory("graph")
        let reachedStall = Gate()
        let writer = ClosureStage(name: "writer", concurrency: 2) { item, context in
            try Data(count: 1024).write(to: URL(fileURLWithPath: context.temporaryPath(suffix: ".part")))
            return .forward(item)
        }
        let stall = ClosureStage(name: "stall", concurrency: 2) { item, context in
            try Data(count: 1024).write(to: URL(fileURLWithPath: context.temporaryPath(suffix: ".tmp")))
            reachedStall.open()
            try await Task.sleep(for: .seconds(3600))
            return .forward(item)
        }
        let observer = TallyObserver()
        let graph = Graph(source: CountingSource(count: 1000), stages: [writer, stall], channelCapacity: 4)
        let run = Task { try await graph.run(lanes: Lanes(), temporaryDirectory: dir.url, observer: observer) }
        await reachedStall.wait()
        #expect(try !FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        run.cancel()
        await #expect(throws: CancellationError.self) { try await run.value }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
        let tally = observer.snapshot
        #expect(tally.completed.isEmpty)
        #expect(tally.canceled > 0)
        #expect(tally.inFlight == 0, "every collected item is accounted for")
    }
}
