import Engine
import Foundation
import Testing
import TestSupport

/// The status machines, table-driven: every (from, to) pair is legal exactly when DESIGN's
/// machine has that edge, written out here independently of the code's table.
@Suite struct JobStatusTests {
    static let jobEdges: Set<String> = [
        "queued→running", "queued→paused", "queued→canceled",
        "running→pause_requested", "running→paused", "running→queued", "running→completed",
        "running→completed_with_errors", "running→failed", "running→canceled",
        "pause_requested→paused", "pause_requested→running", "pause_requested→canceled", "pause_requested→failed",
        "paused→running", "paused→queued", "paused→canceled",
        "completed→queued", "completed_with_errors→queued", "failed→queued", "canceled→queued",
    ]

    static let itemEdges: Set<String> = [
        "pending→running", "pending→canceled",
        "running→succeeded", "running→failed", "running→skipped", "running→canceled", "running→interrupted", "running→pending",
        "interrupted→running", "interrupted→canceled",
        "failed→pending", "canceled→pending", "succeeded→pending", "skipped→pending",
    ]

    @Test(arguments: JobStatus.allCases)
    func jobTransitionsFrom(_ from: JobStatus) {
        for to in JobStatus.allCases {
            #expect(from.canMove(to: to) == Self.jobEdges.contains("\(from.rawValue)→\(to.rawValue)"), "\(from.rawValue) → \(to.rawValue)")
        }
    }

    @Test(arguments: ItemStatus.allCases)
    func itemTransitionsFrom(_ from: ItemStatus) {
        for to in ItemStatus.allCases {
            #expect(from.canMove(to: to) == Self.itemEdges.contains("\(from.rawValue)→\(to.rawValue)"), "\(from.rawValue) → \(to.rawValue)")
        }
    }

    /// The store applies the machine: from every status, every target either moves the job or
    /// is refused with a message naming both, leaving the job where it was.
    @Test func theStoreRefusesEveryIllegalJobTransition() async throws {
        let dir = try TemporaryDirectory("jobs")
        let store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        // A path to each status from queued, through legal moves only.
        let route: [JobStatus: [JobStatus]] = [
            .queued: [], .running: [.running], .pauseRequested: [.running, .pauseRequested], .paused: [.paused],
            .completed: [.running, .completed], .completedWithErrors: [.running, .completedWithErrors],
            .failed: [.running, .failed], .canceled: [.canceled],
        ]
        for from in JobStatus.allCases {
            for to in JobStatus.allCases {
                let job = try await store.createJob(JobSpec(type: .ingest, stages: []))
                for step in route[from]! { try await store.transitionJob(job.id, to: step, runner: nil, error: nil) }
                let legal = Self.jobEdges.contains("\(from.rawValue)→\(to.rawValue)")
                do {
                    let moved = try await store.transitionJob(job.id, to: to, runner: nil, error: nil)
                    #expect(legal, "\(from.rawValue) → \(to.rawValue) should have been refused")
                    #expect(moved.status == to)
                } catch let error as IllegalTransition {
                    #expect(!legal, "\(from.rawValue) → \(to.rawValue) should be allowed")
                    #expect("\(error)" == "job \(job.id) cannot go from \(from.rawValue) to \(to.rawValue)")
                    #expect(try await store.job(job.id)?.status == from)
                }
            }
        }
    }
}
