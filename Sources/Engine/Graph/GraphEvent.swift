/// What happens to items as they pass through a graph, in the order it happens for each item.
public enum GraphEvent<Element: Sendable>: Sendable {
    /// The source emitted an item.
    case collected(Element)
    /// The source reported a problem with one entry, or failed as a whole.
    case sourceIssue(SourceIssue)
    case started(stage: String, Element)
    case finished(stage: String, Element)
    case failed(stage: String, Element, any Error)
    /// A job's item failed on a transient error and goes back to the queue for another try
    /// (the job runtime turns `failed` into this; the graph itself never retries).
    case retrying(stage: String, Element, any Error)
    case skipped(stage: String, Element, reason: String)
    /// The item left the last stage.
    case completed(Element)
    /// The run was cancelled while the item was inside the graph.
    case canceled(Element)
    /// The graph's intake was stopped (a pause) before the item began any work that holds a
    /// lane: it left the graph unprocessed, for a later run to take.
    case released(Element)
}

/// Receives every event; called concurrently from the graph's workers.
public protocol GraphObserver<Element>: Sendable {
    associatedtype Element: Sendable
    func graph(_ event: GraphEvent<Element>) async
}
