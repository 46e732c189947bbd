import Engine
import Foundation
import Stages

/// This host's own stage: beside each stored episode, `<episode file>.json` with what the
/// catalog knows of it. Idempotent (written under a temporary name and renamed), on the blocking
/// pool (file system work never runs on Swift's cooperative threads).
struct Sidecar: ItemStage {
    let library: LocalLibrary

    var name: String { "sidecar" }
    var concurrency: Int { 2 }

    func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let locator = item.locator, let path = library.path(for: locator) else { return .forward(item) }
        var fields: [String: Any] = ["title": item.title, "creators": item.creators, "url": item.url, "file": locator]
        fields["feed"] = item.collection?.title
        fields["sha256"] = item.sha256
        fields["bytes"] = item.byteCount
        fields["duration"] = item.duration
        let data = try JSONSerialization.data(withJSONObject: fields.compactMapValues { $0 }, options: [.prettyPrinted, .sortedKeys])
        try await BlockingIO.run {
            try AtomicFile.write(to: path + ".json") { temporary in try data.write(to: URL(fileURLWithPath: temporary)) }
        }
        return .forward(item)
    }
}
