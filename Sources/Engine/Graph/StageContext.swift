public import Foundation
import Synchronization

/// Per-item working space that travels with the item through the graph: every temporary file
/// a stage asks for is registered here and deleted when the item leaves the graph — completed,
/// failed, skipped or cancelled. A stage that keeps a file renames it into place, after which
/// the cleanup finds nothing to delete.
public final class StageContext: Sendable {
    public let temporaryDirectory: URL
    /// The run's lanes (nil: no limits, a stage called on its own).
    let lanes: Lanes?
    /// The run's intake, which says whether a cancellation is for good.
    let intake: GraphIntake?
    private let files = Mutex<[String]>([])
    private let started = Atomic<Bool>(false)

    /// The item has begun work that holds a lane (a download, a transcode): a pause lets it finish.
    public var hasStartedWork: Bool { started.load(ordering: .relaxed) }
    @usableFromInline
    func markStartedWork() { started.store(true, ordering: .relaxed) }

    public init(temporaryDirectory: URL, lanes: Lanes? = nil, intake: GraphIntake? = nil) {
        self.temporaryDirectory = temporaryDirectory
        self.lanes = lanes
        self.intake = intake
    }

    /// The run takes no new work (a pause, a stop): an item still waiting to begin may be
    /// given back (`ItemReleased`).
    public var isStopping: Bool { intake?.isStopped ?? false }

    /// The run was canceled for good (a job cancel), not paused or stopped to go on later.
    public var isAbandoned: Bool { intake?.isAbandoned ?? false }

    /// Runs `body` under `weight` permits of `kind` (a codec's threads against the cpu lane):
    /// what a stage that takes its lane itself (`ItemStage.takesLaneItself`) wraps around the
    /// resource use only, so that its database writes and waits hold no permit.
    public func withLane<T>(_ kind: LaneKind, weight: Int = 1, _ body: () async throws -> T) async throws -> T {
        guard let lanes else { return try await body() }
        return try await lanes[kind].withPermit(weight: weight, body)
    }

    /// A fresh path in the temp directory, owned by this item until it leaves the graph.
    public func temporaryPath(suffix: String) -> String {
        let path = temporaryDirectory.path + "/" + UniqueName.next() + suffix
        files.withLock { $0.append(path) }
        return path
    }

    /// Deletes every registered file that still exists. A file that a stage moved away is
    /// only looked up: an `unlink` of a missing name would still take the folder's lock,
    /// which every item's temp files share.
    public func cleanUp() {
        for path in files.withLock({ list in defer { list.removeAll() }; return list }) where access(path, F_OK) == 0 {
            unlink(path)
        }
    }
}
