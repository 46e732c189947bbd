/// One step of a graph. Its runner starts `concurrency` workers, each taking the next item from
/// the stage's bounded input channel and holding a permit of `lane` (when declared) while
/// `process` runs — or, for a stage that `takesLaneItself`, leaving it to the stage to hold
/// the permit around its use of the resource (`StageContext.withLane`). A thrown error fails
/// that item only; the graph goes on.
public protocol ItemStage<Element>: Sendable {
    associatedtype Element: Sendable
    var name: String { get }
    var concurrency: Int { get }
    var lane: LaneKind? { get }
    /// True when `process` takes its `lane` itself, around the resource use only.
    var takesLaneItself: Bool { get }
    /// False for an item this stage has nothing to do with: it goes straight on to the next
    /// stage, without a lane permit and without started/finished events.
    func handles(_ item: Element) -> Bool
    func process(_ item: Element, context: StageContext) async throws -> StageResult<Element>
}

extension ItemStage {
    public var concurrency: Int { 1 }
    public var lane: LaneKind? { nil }
    public var takesLaneItself: Bool { false }
    public func handles(_ item: Element) -> Bool { true }
}

/// Thrown by a stage that gives the item back before its work began, because the run is
/// stopping (`StageContext.isStopping`) while the item waited: the item goes back to the
/// job's queue, as one that never reached the stage.
public struct ItemReleased: Error, Sendable {
    public init() {}
}

/// What a stage did with an item.
public enum StageResult<Element: Sendable>: Sendable {
    /// Pass it to the next stage (or out of the graph after the last one).
    case forward(Element)
    /// It needs no more work (already stored, filtered): it leaves the graph as skipped.
    case skip(Element, reason: String)
}

/// The producer at the head of a graph (collectors). `emit` suspends while the first channel
/// is full, so a source can never run ahead of the graph.
public protocol ItemSource<Element>: Sendable {
    associatedtype Element: Sendable
    var name: String { get }
    /// Emits every item. Problems that concern one entry (a malformed playlist line) go to
    /// `context.report`; only a failure of the whole source is thrown.
    func produce(into emit: (Element) async throws -> Void, context: SourceContext) async throws
}

/// Lets a source report a problem with one entry without stopping.
public struct SourceContext: Sendable {
    let reportIssue: @Sendable (SourceIssue) async -> Void

    public init(report: @escaping @Sendable (SourceIssue) async -> Void) {
        reportIssue = report
    }

    public func report(_ issue: SourceIssue) async {
        await reportIssue(issue)
    }
}

/// A problem with one entry of an input (a playlist line, an unreadable folder), or with a
/// whole input, found while collecting.
public struct SourceIssue: Sendable, CustomStringConvertible {
    /// The input (playlist path, folder, URL) and where in it, such as `list.m3u:7`.
    public var location: String
    public var message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
