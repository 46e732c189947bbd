import Console
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The console's routes without a socket (HummingbirdTesting's router client), on a real store.
@Suite struct ConsoleRouteTests {
    func backend(_ state: RunnerStatus.State, restarts: Int = 0) throws -> (ConsoleBackend, TemporaryDirectory) {
        let dir = try TemporaryDirectory("console")
        let directory = DataDirectory(root: dir.url)
        try directory.prepare()
        let store = try SQLiteJobStore(path: directory.database.path)
        return (ConsoleBackend(store: store, directory: directory) { RunnerStatus(state: state, restarts: restarts, lastError: restarts > 0 ? "boom" : nil) }, dir)
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: buffer).utf8)) as? [String: Any])
    }

    @Test(arguments: [(RunnerStatus.State.running, 200), (.off, 200), (.restarting, 503), (.stopped, 503)])
    func healthSaysWhetherTheRunnerRunsAndTheStoreAnswers(state: RunnerStatus.State, expected: Int) async throws {
        let (backend, _) = try backend(state, restarts: state == .restarting ? 2 : 0)
        try await Application(router: ConsoleRoutes.router(backend)).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status.code == expected)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try json(response.body)
                let runner = try #require(body["runner"] as? [String: Any])
                #expect(runner["state"] as? String == state.rawValue && body["store"] as? String == "ok", "\(body)")
                #expect(runner["restarts"] as? Int == (state == .restarting ? 2 : 0))
            }
        }
    }

    @Test func theDashboardListsTheJobsWithTheirCountersAndTheFreeSpace() async throws {
        let (backend, _) = try backend(.running)
        let job = try await backend.store.createJob(JobSpec(type: .ingest, inputs: ["x"], stages: ["catalog"]))
        _ = try await backend.store.enqueue(
            jobID: job.id, items: [MediaItem(source: "t", remoteID: "a", title: "A", url: "file:///a.mp3")], completingInput: nil, newItemLimit: nil)
        try await Application(router: ConsoleRoutes.router(backend)).test(.router) { client in
            try await client.execute(uri: "/api/dashboard", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                let jobs = try #require(body["jobs"] as? [[String: Any]])
                #expect(jobs.count == 1 && jobs[0]["id"] as? Int == Int(job.id) && jobs[0]["status"] as? String == "queued")
                #expect((jobs[0]["items"] as? [String: Any])?["pending"] as? Int == 1)
                #expect(body["active_job"] is NSNull, "nothing runs yet")
                #expect(((body["free_bytes"] as? [String: Any])?["library"] as? Int ?? 0) > 0)
            }
            try await client.execute(uri: "/api/nothing", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try json(response.body)
                #expect(body["error"] is String, "errors are JSON with a message")
            }
        }
    }

    /// Job commands: the new state (200), or 404 for an unknown job and 409 for a state that
    /// forbids the command, each with a JSON message.
    @Test func jobCommandsChangeTheJobOrSayWhyNot() async throws {
        let (backend, _) = try backend(.running)
        let job = try await backend.store.createJob(JobSpec(type: .ingest, inputs: ["x"], stages: ["catalog"]))
        try await Application(router: ConsoleRoutes.router(backend)).test(.router) { client in
            let steps: [(String, Int, String)] = [
                ("/api/jobs/\(job.id)/pause", 200, "paused"), ("/api/jobs/\(job.id)/pause", 409, "job \(job.id) is paused: it cannot pause"),
                ("/api/jobs/\(job.id)/resume", 200, "queued"), ("/api/jobs/\(job.id)/cancel", 200, "canceled"),
                ("/api/jobs/\(job.id)/cancel", 409, "job \(job.id) is canceled: it cannot cancel"), ("/api/jobs/999/resume", 404, "no job 999"),
                ("/api/jobs/abc/cancel", 400, "a job id is a number"),
            ]
            for (uri, status, said) in steps {
                try await client.execute(uri: uri, method: .post) { response in
                    #expect(response.status.code == status, "\(uri)")
                    let body = try json(response.body)
                    #expect((status == 200 ? body["status"] : body["error"]) as? String == said, "\(uri): \(body)")
                }
            }
        }
        #expect(try await backend.store.job(job.id)?.status == .canceled)
    }
}
