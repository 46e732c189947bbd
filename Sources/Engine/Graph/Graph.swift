public import Foundation
import Logging
import Metrics
public import Synchronization  // `Countdown` is inlinable

/// A source followed by stages, joined by bounded channels of `channelCapacity` each.
///
/// Items in flight never exceed the channel capacities plus one per worker plus the one the
/// source is sending: a full channel suspends its producer. An item whose stage throws is
/// reported as failed and leaves the graph; the graph goes on. Cancelling the task that runs
/// `run` stops every worker, deletes the temp files of every item still inside, and reports
/// those items as canceled.
public struct Graph<Element: Sendable>: Sendable {
    public let source: any ItemSource<Element>
    public let stages: [any ItemStage<Element>]
    public let channelCapacity: Int

    public init(source: any ItemSource<Element>, stages: [any ItemStage<Element>], channelCapacity: Int = 16) {
        precondition(!stages.isEmpty, "a graph needs at least one stage")
        precondition(stages.allSatisfy { $0.concurrency >= 1 }, "every stage needs at least one worker")
        self.source = source
        self.stages = stages
        self.channelCapacity = channelCapacity
    }

    /// The most items that can be inside the graph at once.
    public var maximumInFlight: Int {
        stages.count * channelCapacity + stages.reduce(0) { $0 + $1.concurrency } + 1
    }

    /// An item on its way through the graph, with its working space.
    @usableFromInline
    struct Envelope: Sendable {
        @usableFromInline let element: Element
        @usableFromInline let context: StageContext

        @inlinable
        init(element: Element, context: StageContext) {
            self.element = element
            self.context = context
        }
    }

    /// Runs the graph to its end. A `ledger` records each item's steps and how it left the
    /// graph, awaited, before the item goes on (a job's durable record); a ledger that throws
    /// stops the whole graph. Observers only count and display.
    ///
    /// The run loop is inlinable (as are its channels), so that a host's own element type gets
    /// code specialized for it rather than generic code that looks up type metadata per item.
    @inlinable
    public func run(
        lanes: Lanes, temporaryDirectory: URL, observer: some GraphObserver<Element>, ledger: (any ItemLedger<Element>)? = nil,
        intake: GraphIntake = GraphIntake()
    ) async throws {
        let ledger = ledger ?? NoLedger()
        let channels = stages.map { _ in BoundedChannel<Envelope>(capacity: channelCapacity) }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { channels[0].finish() }
                    try await produce(
                        into: channels, temporaryDirectory: temporaryDirectory, lanes: lanes, intake: intake, observer: observer,
                        ledger: ledger)
                }
                for (index, stage) in stages.enumerated() {
                    let output = index + 1 < channels.count ? channels[index + 1] : nil
                    let live = Countdown(stage.concurrency)
                    for _ in 0..<stage.concurrency {
                        group.addTask {
                            defer {
                                if live.decrement() == 0 { output?.finish() }
                            }
                            try await work(
                                stage, at: index, channels: channels, lanes: lanes, observer: observer, ledger: ledger, intake: intake)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            for channel in channels {
                for envelope in channel.drain() {
                    envelope.context.cleanUp()
                    await observer.graph(.canceled(envelope.element))
                    try? await ledger.settle(envelope.element, .stopped)
                }
            }
            throw error
        }
    }

    @inlinable
    func produce(
        into channels: [BoundedChannel<Envelope>], temporaryDirectory: URL, lanes: Lanes, intake: GraphIntake, observer: some GraphObserver<Element>,
        ledger: any ItemLedger<Element>
    ) async throws {
        let context = SourceContext { issue in await observer.graph(.sourceIssue(issue)) }
        do {
            try await source.produce(
                into: { element in
                    await observer.graph(.collected(element))
                    // To the first stage that handles it, as between stages.
                    try await pass(
                        Envelope(element: element, context: StageContext(temporaryDirectory: temporaryDirectory, lanes: lanes, intake: intake)),
                        after: -1, channels: channels, observer: observer, ledger: ledger)
                }, context: context)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            await observer.graph(.sourceIssue(SourceIssue(location: source.name, message: "\(error)")))
        }
    }

    @inlinable
    func work(
        _ stage: any ItemStage<Element>, at index: Int, channels: [BoundedChannel<Envelope>],
        lanes: Lanes, observer: some GraphObserver<Element>, ledger: any ItemLedger<Element>, intake: GraphIntake
    ) async throws {
        let input = channels[index]
        let timer = StageTimer(stage: stage.name)
        while true {
            try Task.checkCancellation()  // the channel's fast path does not check
            guard let envelope = try await input.receive() else { return }
            let item = envelope.element
            if intake.isStopped, !envelope.context.hasStartedWork {
                envelope.context.cleanUp()
                await observer.graph(.released(item))
                try await ledger.settle(item, .released)
                continue
            }
            await observer.graph(.started(stage: stage.name, item))
            let result: StageResult<Element>
            do {
                try await ledger.step(item, stage: stage.name)
                if stage.lane != nil { envelope.context.markStartedWork() }
                let started = ContinuousClock.now
                result = try await lanes.withPermit(stage.takesLaneItself ? nil : stage.lane) {
                    try await stage.process(item, context: envelope.context)
                }
                timer.record(ContinuousClock.now - started)
            } catch is ItemReleased {
                envelope.context.cleanUp()
                await observer.graph(.released(item))
                try await ledger.settle(item, .released)
                continue
            } catch {
                envelope.context.cleanUp()
                if Task.isCancelled {
                    await observer.graph(.canceled(item))
                    try? await ledger.settle(item, .stopped)
                    throw CancellationError()
                }
                logItemFailed(stage: stage.name, error)
                await observer.graph(.failed(stage: stage.name, item, error))
                try await ledger.settle(item, .failed(stage: stage.name, error))
                continue
            }
            switch result {
            case .skip(let element, let reason):
                envelope.context.cleanUp()
                await observer.graph(.skipped(stage: stage.name, element, reason: reason))
                try await ledger.settle(element, .skipped(stage: stage.name, reason: reason))
            case .forward(let element):
                await observer.graph(.finished(stage: stage.name, element))
                try await pass(
                    Envelope(element: element, context: envelope.context), after: index, channels: channels, observer: observer, ledger: ledger)
            }
        }
    }

    /// Hands an item (from stage `index`, or from the source at -1) to the next stage that
    /// handles it, or out of the graph after the last one: a stage receives only items it
    /// handles (`ItemStage.handles`, asked here alone), and one with nothing to do for an item
    /// costs it no channel hop. A later channel finishes under a send only when a worker in
    /// between stopped with an error (the run is ending): that is a cancellation here, so that
    /// the run reports the error that ended it.
    @inlinable
    func pass(
        _ envelope: Envelope, after index: Int, channels: [BoundedChannel<Envelope>], observer: some GraphObserver<Element>,
        ledger: any ItemLedger<Element>
    ) async throws {
        var next = index + 1
        while next < stages.count, !stages[next].handles(envelope.element) { next += 1 }
        guard next < stages.count else {
            envelope.context.cleanUp()
            try await ledger.settle(envelope.element, .completed)
            await observer.graph(.completed(envelope.element))
            return
        }
        do {
            try await channels[next].send(envelope)
        } catch {
            envelope.context.cleanUp()
            await observer.graph(.canceled(envelope.element))
            try? await ledger.settle(envelope.element, .stopped)
            if error is ChannelFinishedError { throw CancellationError() }
            throw error
        }
    }
}

/// How long a stage's `process` takes (`engine_stage_duration_seconds`): not inlined, so that
/// the inlinable run loop needs no metrics module of its own.
@usableFromInline
struct StageTimer: Sendable {
    let timer: Metrics.Timer

    @usableFromInline
    init(stage: String) {
        timer = Metrics.Timer(label: "engine_stage_duration_seconds", dimensions: [("stage", stage)])
    }

    @usableFromInline
    func record(_ duration: Duration) { timer.record(duration: duration) }
}

/// The failure of an item, logged at debug level (it is reported as an event as well).
@usableFromInline
func logItemFailed(stage: String, _ error: any Error) {
    Logger(label: "engine.graph").debug("item failed", metadata: ["stage": "\(stage)", "error": "\(error)"])
}

/// Counts a stage's live workers; the last one to stop finishes the stage's output channel.
@usableFromInline
final class Countdown: Sendable {
    @usableFromInline let remaining: Atomic<Int>

    @inlinable
    init(_ count: Int) {
        remaining = Atomic(count)
    }

    /// Returns what remains after this decrement.
    @inlinable
    func decrement() -> Int {
        remaining.subtract(1, ordering: .acquiringAndReleasing).newValue
    }
}
