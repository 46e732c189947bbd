import Console
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The console's health, dashboard and job routes without a socket (HummingbirdTesting's
/// router client), on a real store.
@Suite struct ConsoleRouteTests {
    @Test(arguments: [(RunnerStatus.State.running, 200), (.off, 200), (.restarting, 503), (.stopped, 503)])
    func healthSaysWhetherTheRunnerRunsAndTheStoreAnswers(state: RunnerStatus.State, expected: Int) async throws {
        let restarts = state == .restarting ? 2 : 0
        let console = try ConsoleFixture(runner: RunnerStatus(state: state, restarts: restarts, lastError: restarts > 0 ? "boom" : nil))
        try await console.test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status.code == expected)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try json(response.body)
                let runner = try #require(body["runner"] as? [String: Any])
                #expect(runner["state"] as? String == state.rawValue && body["store"] as? String == "ok", "\(body)")
                #expect(runner["restarts"] as? Int == restarts)
            }
        }
        #expect(RunnerStatus.State.off.rawValue == "disabled", "a console-only profile says runner: disabled")
    }

    @Test func theDashboardListsTheJobsWithTheirCountersAndTheFreeSpace() async throws {
        let console = try ConsoleFixture()
        let job = try await console.job(["A"])
        try await console.test { client in
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
                try #expect(json(response.body)["error"] is String, "errors are JSON with a message")
            }
        }
    }

    /// Job commands: the new state (200), or 404 for an unknown job and 409 for a state that
    /// forbids the command, each with a JSON message.
    @Test func jobCommandsChangeTheJobOrSayWhyNot() async throws {
        let console = try ConsoleFixture()
        let job = try await console.store.createJob(JobSpec(type: .ingest, inputs: ["x"], stages: ["catalog"]))
        try await console.test { client in
            let steps: [(String, Int, String)] = [
                ("/api/jobs/\(job.id)/pause", 200, "paused"), ("/api/jobs/\(job.id)/pause", 409, "job \(job.id) is paused: it cannot pause"),
                ("/api/jobs/\(job.id)/resume", 200, "queued"), ("/api/jobs/\(job.id)/cancel", 200, "canceled"),
                ("/api/jobs/\(job.id)/cancel", 409, "job \(job.id) is canceled: it cannot cancel"), ("/api/jobs/999/resume", 404, "no job 999"),
                ("/api/jobs/abc/cancel", 400, "id: a number, please"), ("/api/jobs/999/retry", 404, "no job 999"),
            ]
            for (uri, status, said) in steps {
                try await client.execute(uri: uri, method: .post, headers: console.csrf) { response in
                    #expect(response.status.code == status, "\(uri)")
                    let body = try json(response.body)
                    #expect((status == 200 ? body["status"] : body["error"]) as? String == said, "\(uri): \(body)")
                }
            }
        }
        try #expect(await console.store.job(job.id)?.status == .canceled)
    }

    @Test func aJobShowsItsStagesEventsAndItemsByCollection() async throws {
        let console = try ConsoleFixture()
        let job = try await console.job(["One", "Two", "Three"], failing: 1)
        try await console.test { client in
            try await client.execute(uri: "/api/jobs", method: .get) { response in
                try #expect(jsonArray(response.body).map { $0["id"] as? Int } == [Int(job.id)])
            }
            try await client.execute(uri: "/api/jobs/\(job.id)", method: .get) { response in
                let body = try json(response.body)
                let collections = try #require(body["collections"] as? [[String: Any]])
                #expect(collections.count == 1 && collections[0]["title"] as? String == "List A" && collections[0]["total"] as? Int == 3)
                #expect(collections[0]["failed"] as? Int == 1 && collections[0]["done"] as? Int == 0)
                #expect(((body["events"] as? [[String: Any]])?.first?["kind"] as? String) == "created", "\(body)")
            }
            try await client.execute(uri: "/api/jobs/\(job.id)/items?collection=0", method: .get) { response in
                let items = try jsonArray(response.body)
                #expect(items.map { $0["title"] as? String } == ["One", "Two", "Three"], "in collection order")
                #expect(items[0]["status"] as? String == "failed" && items[0]["error_kind"] as? String == "http_4xx")
            }
            try await client.execute(uri: "/api/jobs/\(job.id)/items", method: .get) { response in
                #expect(response.status == .badRequest, "which collection")
            }
            try await client.execute(uri: "/api/jobs/\(job.id)/items?collection=1", method: .get) { response in
                #expect(response.status == .notFound, "the job has one collection")
            }
            try await client.execute(uri: "/api/jobs/77", method: .get) { response in #expect(response.status == .notFound) }
        }
    }

    @Test func aLaunchQueuesAJobOrSaysWhatIsWrong() async throws {
        let console = try ConsoleFixture()
        try await console.test { client in
            try await client.execute(
                uri: "/api/jobs", method: .post, headers: console.csrf, body: try body(["type": "ingest", "inputs": ["/lists/b.m3u8", "  "]])
            ) { response in
                #expect(response.status == .created)
                let job = try json(response.body)
                #expect(job["status"] as? String == "queued" && job["type"] as? String == "ingest")
            }
            let refusals: [(Any, String)] = [
                (["type": "nightly"], "unknown job type 'nightly'"), (["type": "ingest", "inputs": ["  "]], "give at least one input"),
                (["inputs": []], "'type' is missing"), ("{", "not JSON"),
            ]
            for (given, said) in refusals {
                let buffer = given is String ? ByteBuffer(string: given as! String) : try body(given)
                try await client.execute(uri: "/api/jobs", method: .post, headers: console.csrf, body: buffer) { response in
                    #expect(response.status == .badRequest)
                    try #expect((json(response.body)["error"] as? String)?.contains(said) == true, "\(given)")
                }
            }
        }
        let jobs = try await console.store.jobs(limit: 10)
        #expect(jobs.count == 1)
        try #expect(await console.store.jobInputs(jobs[0].id).map(\.input) == ["/lists/b.m3u8"], "blank inputs are dropped")
    }

    @Test func metricsArePrometheusTextWithTheStoresFigures() async throws {
        let console = try ConsoleFixture()
        try await console.job(["A", "B", "C"], failing: 1)
        try await console.test { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                try #expect(response.status == .notFound, "no registry: metrics are off")
            }
        }
        let metrics = ConsoleMetrics()
        let backend = ConsoleBackend(
            store: console.store, directory: console.backend.directory, metrics: metrics, runner: { RunnerStatus(state: .running) })
        try await Application(router: ConsoleRoutes.router(backend)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(text.contains("engine_job_items{status=\"pending\"} 2.0") && text.contains("engine_job_items{status=\"failed\"} 1.0"), "\(text)")
                #expect(text.contains("engine_queue_depth 2.0") && text.contains("engine_runner_up 1.0"), "\(text)")
            }
        }
    }

    /// Retry of one job's items: by job item id (as the pages send it), by key (as `jobs show`
    /// lists it) or all; an empty list or an id of another job is refused.
    @Test func aJobsItemsAreRetriedByIdOrKey() async throws {
        let console = try ConsoleFixture()
        let job = try await console.job(["A", "B", "C"], failing: 3)
        let other = try await console.job(["D"], failing: 1)
        let failed = try await console.store.failedItems(FailedItemFilter(jobID: job.id), limit: 10).items
        let foreign = try await console.store.failedItems(FailedItemFilter(jobID: other.id), limit: 10).items[0]
        try await console.test { client in
            let steps: [(String, Any?, Int, Int?)] = [
                ("/api/jobs/\(job.id)/retry?id=\(failed[0].id)", nil, 200, 1),
                ("/api/jobs/\(job.id)/retry", ["items": [failed[1].itemKey]], 200, 1),
                ("/api/jobs/\(job.id)/retry", ["items": []], 400, nil),
                ("/api/jobs/\(job.id)/retry?id=\(foreign.id)", nil, 404, nil),
                ("/api/jobs/\(job.id)/retry?id=x", nil, 400, nil),
                ("/api/jobs/\(job.id)/retry?id=", nil, 400, nil),
                ("/api/jobs/\(job.id)/retry", nil, 200, 1),
            ]
            for (uri, given, status, requeued) in steps {
                try await client.execute(uri: uri, method: .post, headers: console.csrf, body: try given.map(body) ?? ByteBuffer()) { response in
                    #expect(response.status.code == status, "\(uri) \(String(describing: given))")
                    if let requeued { try #expect(json(response.body)["requeued"] as? Int == requeued, "\(uri)") }
                }
            }
        }
        #expect(try await console.store.counters(jobID: job.id)[.pending] == 3)
        #expect(try await console.store.counters(jobID: other.id)[.failed] == 1, "another job's item is left alone")
    }

    @Test func theScriptAndStyleSheetComeFromTheBinary() async throws {
        let console = try ConsoleFixture()
        try await console.test { client in
            for (path, type, marker) in [("/assets/console.js", "text/javascript", "EventSource"), ("/assets/console.css", "text/css", ".badge")] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix(type) == true)
                    #expect(String(buffer: response.body).contains(marker))
                }
            }
        }
    }
}
