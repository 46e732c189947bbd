package import Engine
import Logging
import Synchronization

/// Tallies an ingest run for its progress line and summary. It records nothing: outcomes are
/// written by the job runtime under each item's lease.
package final class IngestObserver: GraphObserver {
    private let tally = Mutex(IngestTally())
    private let logger = Logger(label: "stages.ingest")

    public init() {}

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
                if $0.failed.count < IngestTally.keptProblems { $0.failed.append(problem) }
                $0.failedCount += 1
            }
        case .retrying(let stage, let item, let error):
            logger.info("item will be tried again", metadata: ["item.key": "\(item.key)", "stage": "\(stage)", "error": "\(error)"])
            tally.withLock {
                $0.active[stage, default: 0] -= 1
                $0.collected -= 1  // claimed again for its next try
                $0.retried += 1
            }
        case .skipped(let stage, _, _):
            tally.withLock {
                $0.active[stage, default: 0] -= 1
                $0.skipped += 1
            }
        case .completed(let item):
            logger.info("item stored", metadata: [
                "item.key": "\(item.key)", "locator": "\(item.locator ?? "")", "renditions": "\(item.renditions.sorted())",
            ])
            tally.withLock {
                $0.renditions += item.renditions.count
                if let bytes = item.uploadedBytes {
                    $0.uploaded += 1
                    $0.uploadedBytes += bytes
                }
                if item.originalAlreadyStored {
                    if item.failedRenditions.isEmpty { $0.renditionsOnly += 1 }
                } else if item.locator != nil {  // not an upload job's item, which stores nothing
                    $0.stored += 1
                    if item.reusedExistingFile { $0.reused += 1 }
                }
            }
        case .canceled:
            tally.withLock { $0.canceled += 1 }
        case .released:
            tally.withLock { $0.released += 1 }
        }
    }
}
