import ArgumentParser
import Engine
import Foundation

/// `engine jobs show ID`: counters per status and per stage, running items with their step,
/// workers, failures and the last events; `--follow` redraws until the job ends.
struct JobsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One job: counters, running items, workers, events.")

    @Argument(help: "The job id.") var id: Int64
    @Flag(help: "Print JSON (with --follow, one object a line).") var json = false
    @Flag(help: "Redraw live until the job ends.") var follow = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let access = try JobStoreAccess(data, command: "jobs show")
        var previous = ""
        while true {
            let job = try await access.job(id, command: "jobs show")
            let view = try await JobView.load(job, store: access.store)
            if json {
                Output.line(view.json.serialized(pretty: !follow))
            } else {
                let text = view.text
                if follow, isatty(STDOUT_FILENO) == 1, !previous.isEmpty { FileHandle.standardOutput.write(Data("\u{1B}[H\u{1B}[2J".utf8)) }
                if text != previous || !follow { Output.line(text) }
                previous = text
            }
            guard follow, !job.status.isFinished else { return }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// What `jobs show` prints, read from the store in one go.
struct JobView {
    let job: JobRecord
    let counters: JobCounters
    let stages: [JobStageCounters]
    let running: [RunningItem]
    let failed: [FailedItem]
    let workers: [JobWorker]
    let events: [JobEvent]

    static func load(_ job: JobRecord, store: SQLiteJobStore) async throws -> JobView {
        JobView(
            job: job, counters: try await store.counters(jobID: job.id), stages: try await store.jobStages(job.id),
            running: try await store.runningItems(jobID: job.id, limit: 20), failed: try await store.failedItems(jobID: job.id, limit: 20),
            workers: try await store.activeWorkers().filter { $0.jobID == job.id },
            events: try await store.events(jobID: job.id, limit: 10))
    }

    var text: String {
        var lines = ["job \(job.id) (\(job.type.rawValue)): \(job.status.rawValue)" + (job.error.map { ": \($0)" } ?? "")]
        let statuses = ItemStatus.allCases.filter { counters[$0] > 0 }.map { "\(counters[$0]) \($0.rawValue)" }
        lines.append("items: \(counters.total) (\(statuses.isEmpty ? "none yet" : statuses.joined(separator: ", ")))"
            + (job.collectionDone ? "" : ", still collecting"))
        if !stages.isEmpty {
            lines.append("stages: " + stages.map { "\($0.name) \($0.finished)" + ($0.failed > 0 ? " (\($0.failed) failed)" : "") }
                .joined(separator: " · "))
        }
        for item in running {
            lines.append("  running \(item.itemKey) [\(item.step ?? "claimed")] attempt \(item.attempt)")
        }
        for worker in workers {
            lines.append("  worker \(worker.id) (pid \(worker.pid)), heartbeat \(Int(Date().timeIntervalSince(worker.heartbeatAt))) s ago")
        }
        if !failed.isEmpty {
            lines.append("failed (\(counters[.failed])):")
            lines += failed.map { "  \($0.itemKey): \($0.error)" }
        }
        if !events.isEmpty {
            lines.append("events:")
            let format = ISO8601DateFormatter()
            lines += events.map { "  \(format.string(from: $0.at)) \($0.kind): \($0.message)" }
        }
        return lines.joined(separator: "\n")
    }

    var json: JSONValue {
        let format = ISO8601DateFormatter()
        guard case .object(var members) = job.json(counters: counters) else { return .null }
        members += [
            ("stages", .array(stages.map {
                .object([("name", .string($0.name)), ("finished", .int(Int64($0.finished))), ("failed", .int(Int64($0.failed))),
                         ("skipped", .int(Int64($0.skipped)))])
            })),
            ("running", .array(running.map {
                .object([("item_key", .string($0.itemKey)), ("title", .string($0.title)), ("step", $0.step.map(JSONValue.string) ?? .null),
                         ("attempt", .int(Int64($0.attempt))), ("holder", $0.holder.map(JSONValue.string) ?? .null)])
            })),
            ("failed_items", .array(failed.map {
                .object([("item_key", .string($0.itemKey)), ("title", .string($0.title)), ("error", .string($0.error)),
                         ("attempts", .int(Int64($0.attempts)))])
            })),
            ("workers", .array(workers.map {
                .object([("id", .string($0.id)), ("host", .string($0.host)), ("pid", .int(Int64($0.pid))),
                         ("heartbeat_at", .string(format.string(from: $0.heartbeatAt)))])
            })),
            ("events", .array(events.map {
                .object([("at", .string(format.string(from: $0.at))), ("kind", .string($0.kind)), ("message", .string($0.message))])
            })),
        ]
        return .object(members)
    }
}
