package import Engine
import Foundation

/// The S3 clients of the named backends, for the stages that read from a bucket (the S3
/// collector, the S3 resolver); the host says how a name becomes a client.
public typealias ObjectStores = @Sendable (_ backend: String) async throws -> S3Client

/// An `s3://BACKEND/KEY` URL, as the S3 collector writes items' URLs.
package struct ObjectURL: Sendable, Equatable {
    public var backend: String
    public var key: String

    public init?(_ text: String) {
        guard text.lowercased().hasPrefix("s3://") else { return nil }
        let rest = text.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        guard slash > rest.startIndex else { return nil }
        backend = String(rest[..<slash])
        key = slash == rest.endIndex ? "" : String(rest[rest.index(after: slash)...])
    }

    public var text: String { "s3://\(backend)/\(key)" }
}

/// Lists a backend's objects under a prefix (`s3://BACKEND/PREFIX`) as items: each media file
/// (by extension) one item, its key the remote id, its file name the title, the prefix the
/// collection; other objects are skipped.
struct BucketCollector {
    let objectStores: ObjectStores

    func collect(_ input: String) async -> Collector.Collected {
        guard let location = ObjectURL(input) else {
            return Collector.Collected(issues: [SourceIssue(location: input, message: "not an s3://BACKEND/PREFIX URL")])
        }
        do {
            let client = try await objectStores(location.backend)
            let objects = try await client.listObjects(prefix: location.key)
            let collection = CollectionRef(kind: .prefix, locator: location.text, title: location.key.isEmpty ? location.backend : location.key)
            var items: [MediaItem] = []
            for object in objects where MediaExtensions.all.contains(object.key.fileExtension) {
                let name = (object.key as NSString).lastPathComponent
                items.append(MediaItem(
                    source: location.backend, remoteID: object.key, title: (name as NSString).deletingPathExtension, titleIsFileName: true,
                    collection: collection, position: items.count + 1, url: "s3://\(location.backend)/\(object.key)"))
            }
            return Collector.Collected(items: items)
        } catch {
            return Collector.Collected(issues: [SourceIssue(location: input, message: "not collected: \(error)")])
        }
    }
}

/// The source of an `s3://` item: a presigned GET URL (an hour) the downloader fetches as any
/// other, resumable and capped alike.
package struct BucketResolver: Resolver {
    let objectStores: ObjectStores

    public init(objectStores: @escaping ObjectStores) {
        self.objectStores = objectStores
    }

    public var name: String { "s3" }

    public func candidates(for item: MediaItem) async throws -> [Candidate] {
        guard let location = ObjectURL(item.url) else { return [] }
        let client = try await objectStores(location.backend)
        return [Candidate(url: client.presignedURL(location.key, expires: 3600), score: 1, resolver: name)]
    }
}
