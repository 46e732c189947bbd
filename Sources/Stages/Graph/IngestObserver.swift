public import Engine
import Logging
import Synchronization

/// Tallies an ingest run and records each item's outcome (failed with its error, skipped,
/// canceled) in the catalog; success is recorded by the library stage with the file itself.
public final class IngestObserver: GraphObserver {
    public let store: any JobStore
    private let tally = Mutex(IngestTally())
    private let logger = Logger(label: "stages.ingest")

    public init(store: any JobStore) {
        self.store = store
    }

    public var snapshot: IngestTally { tally.withLock { $0 } }

    public func graph(_ event: GraphEvent<MediaItem>) async {
        switch event {
        case .collected:
            tally.withLock { $0.collected += 1 }
        case .sourceIssue(let issue):
            tally.withLock {
                $0.issues.append(.init(subject: issue.location, title: nil, stage: "collect", message: issue.message))
            }
        case .started(let stage, _):
            tally.withLock { $0.active[stage, default: 0] += 1 }
        case .finished(let stage, let item):
            tally.withLock {
                $0.active[stage, default: 0] -= 1
                if stage == "download" {
                    $0.downloaded += 1
                    $0.downloadedBytes += item.byteCount ?? 0
                }
                if stage == "probe" { $0.probed += 1 }
            }
        case .failed(let stage, let item, let error):
            let problem = IngestTally.Problem(subject: item.url, title: item.title, stage: stage, message: "\(error)")
            logger.warning("item failed", metadata: ["item.key": "\(item.key)", "stage": "\(stage)", "error": "\(error)"])
            tally.withLock {
                $0.active[stage, default: 0] -= 1
                $0.failed.append(problem)
            }
            await record(item, .failed, error: problem.line)
        case .skipped(let stage, let item, let reason):
            tally.withLock {
                $0.active[stage, default: 0] -= 1
                $0.skipped.append(.init(subject: item.url, title: item.title, stage: stage, message: reason))
            }
            await record(item, .skipped, error: nil)
        case .completed(let item):
            logger.info("item stored", metadata: [
                "item.key": "\(item.key)", "locator": "\(item.locator ?? "")", "renditions": "\(item.renditions.sorted())",
            ])
            tally.withLock {
                $0.renditions += item.renditions.count
                if item.originalAlreadyStored {
                    $0.renditionsOnly += 1
                } else {
                    $0.stored += 1
                    if item.reusedExistingFile { $0.reused += 1 }
                }
            }
            // The library stage marked it succeeded in the transaction that recorded its file; an
            // item that only needed renditions is marked here.
            if item.originalAlreadyStored { await record(item, .succeeded, error: nil) }
        case .canceled(let item):
            tally.withLock { $0.canceled += 1 }
            await record(item, .canceled, error: nil)
        }
    }

    private func record(_ item: MediaItem, _ status: ItemStatus, error: String?) async {
        guard let id = item.catalogID else { return }
        // A store that cannot record an outcome must not stop the run; the summary still has it.
        try? await store.setStatus(itemID: id, status, error: error)
    }
}
