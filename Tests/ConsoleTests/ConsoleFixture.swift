import Console
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// A console on a real store in a temporary data directory, with a launch that queues jobs
/// in the store as the host's does (without graphs), for router tests without sockets.
struct ConsoleFixture {
    let backend: ConsoleBackend
    let directory: TemporaryDirectory
    var store: SQLiteJobStore { backend.store as! SQLiteJobStore }  // the fixture opens SQLite

    init(runner: RunnerStatus = RunnerStatus(state: .running), token: String? = nil) throws {
        directory = try TemporaryDirectory("console")
        let data = DataDirectory(root: directory.url)
        try data.prepare()
        let store = try SQLiteJobStore(path: data.database.path)
        backend = ConsoleBackend(
            store: store, directory: data, security: ConsoleSecurity(token: token), runner: { runner },
            launch: { request in
                guard request.type != .ingest || !request.inputs.isEmpty else { throw LaunchError("give at least one input") }
                return try await store.createJob(
                    JobSpec(
                        type: request.type, inputs: request.type == .ingest ? request.inputs : ["catalog"],
                        scope: JobScope(sources: request.sources, collections: request.collections), stages: ["catalog"]))
            })
    }

    var csrf: HTTPFields { [HTTPField.Name("X-CSRF-Token")!: backend.security.csrfToken] }

    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: ConsoleRoutes.router(backend)).test(.router, body)
    }

    /// A job with `titles` collected into collection `collection` (a playlist), the first
    /// `failing` of them failed with `error` of `kind`; `ended`: canceled (what was open is).
    @discardableResult
    func job(
        _ titles: [String], collection: String = "/lists/a.m3u8", collectionTitle: String? = "List A", source: String = "web",
        failing: Int = 0, error: String = "HTTP 404 from http://x/", kind: ItemErrorKind = .http4xx, ended: Bool = false
    ) async throws -> JobRecord {
        let job = try await store.createJob(JobSpec(type: .ingest, inputs: [collection], stages: ["catalog"]))
        let items = titles.enumerated().map { index, title in
            MediaItem(
                source: source, remoteID: "\(collection)#\(index)", title: title, collection: CollectionRef(kind: .playlist, locator: collection, title: collectionTitle),
                position: index, url: "http://x/\(index).mp3")
        }
        _ = try await store.enqueue(jobID: job.id, items: items, completingInput: nil, newItemLimit: nil)
        for item in items { _ = try await store.upsertItem(item) }
        if failing > 0 {
            for claimed in try await store.claim(jobID: job.id, holder: "test", limit: failing, leaseDuration: .seconds(60)) {
                try await store.settle(claimed.lease, .failed(error: error, kind: kind))
            }
        }
        if ended { _ = try await JobSteering(store: store).cancel(job.id) }
        return job
    }
}

/// The JSON body of a response.
func json(_ buffer: ByteBuffer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: buffer).utf8)) as? [String: Any], "\(String(buffer: buffer))")
}

func jsonArray(_ buffer: ByteBuffer) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: buffer).utf8)) as? [[String: Any]], "\(String(buffer: buffer))")
}

func body(_ value: Any) throws -> ByteBuffer {
    ByteBuffer(data: try JSONSerialization.data(withJSONObject: value))
}
