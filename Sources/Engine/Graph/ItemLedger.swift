/// How an item left a graph.
public enum GraphOutcome: Sendable {
    /// Through the last stage.
    case completed
    case failed(stage: String, any Error)
    case skipped(stage: String, reason: String)
    /// The graph was stopped (cancelled) while the item was inside.
    case stopped
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
struct NoLedger<Element: Sendable>: ItemLedger {
    func step(_ element: Element, stage: String) async throws {}
    func settle(_ element: Element, _ outcome: GraphOutcome) async throws {}
}
