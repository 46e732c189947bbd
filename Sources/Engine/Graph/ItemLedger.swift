import Synchronization

/// How an item left a graph.
public enum GraphOutcome: Sendable {
    /// Through the last stage.
    case completed
    case failed(stage: String, any Error)
    case skipped(stage: String, reason: String)
    /// The graph was stopped (cancelled) while the item was inside.
    case stopped
    /// The intake was stopped before the item began lane-bound work: it was not processed.
    case released
}

/// The durable record of a graph's items: each step as it starts, and how each item left.
/// The graph awaits both before the item goes on, so what the ledger holds is never behind
/// what the item has done; a ledger that throws (the store is gone) stops the graph.
public protocol ItemLedger<Element>: Sendable {
    associatedtype Element: Sendable
    func step(_ element: Element, stage: String) async throws
    func settle(_ element: Element, _ outcome: GraphOutcome) async throws
}

/// A graph run without a durable record.
@usableFromInline
struct NoLedger<Element: Sendable>: ItemLedger {
    @inlinable init() {}
    @inlinable func step(_ element: Element, stage: String) async throws {}
    @inlinable func settle(_ element: Element, _ outcome: GraphOutcome) async throws {}
}

/// The graph's intake: once stopped (a pause), workers let items that have not begun any
/// lane-bound work leave the graph unprocessed (`GraphEvent.released`, ledger `.stopped`);
/// items already downloading or transcoding finish.
public final class GraphIntake: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let abandoned = Atomic<Bool>(false)

    public init() {}

    public func stop() { stopped.store(true, ordering: .relaxed) }
    public var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// The run is canceled for good (not paused or shut down to go on later): work in flight
    /// may throw away what it would otherwise keep for a resume (a multipart upload).
    public func abandon() {
        abandoned.store(true, ordering: .relaxed)
        stop()
    }
    public var isAbandoned: Bool { abandoned.load(ordering: .relaxed) }
}
