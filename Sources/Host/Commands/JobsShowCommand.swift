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
        let access = try await JobStoreAccess(data, command: "jobs show")
        if follow, !json, isatty(STDOUT_FILENO) == 1,
            let display = ProgressDisplay.startIfTerminal(every: .milliseconds(500), { [store = access.store, id] in
                await ProgressDisplay.frame(store, jobID: id, local: false)
            })
        {
            // On a terminal: the live display until the job ends, then the whole view once.
            while !(try await access.job(id, command: "jobs show").status.isFinished) { try await Task.sleep(for: .milliseconds(500)) }
            await display.stop()
            Output.line(try await JobView.load(try await access.job(id, command: "jobs show"), store: access.store).text)
            return
        }
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
    let retrying: [FailedItem]
    let workers: [JobWorker]
    let events: [JobEvent]

    static func load(_ job: JobRecord, store: any EngineStore) async throws -> JobView {
        JobView(
            job: job, counters: try await store.counters(jobID: job.id), stages: try await store.jobStages(job.id),
            running: try await store.runningItems(jobID: job.id, limit: 20), failed: try await store.failedItems(jobID: job.id, limit: 20),
            retrying: try await store.retryingItems(jobID: job.id, limit: 20),
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
            let bytes = item.bytes.map { " \(Format.bytes($0))" + (item.bytesExpected.map { " of \(Format.bytes($0))" } ?? "") } ?? ""
            lines.append("  running \(item.itemKey) [\(item.step ?? "claimed")] attempt \(item.attempt)\(bytes)")
        }
        for worker in workers {
            let on = worker.currentItem.map { ", on \($0)" + (worker.bytesPerSecond.map { " at \(Format.bytes(Int64($0)))/s" } ?? "") } ?? ""
            lines.append("  worker \(worker.id) (pid \(worker.pid)), heartbeat \(Int(Date().timeIntervalSince(worker.heartbeatAt))) s ago\(on)")
        }
        let time = DateFormatter()
        time.dateFormat = "HH:mm:ss"
        if !retrying.isEmpty {
            lines.append("waiting to retry:")
            lines += retrying.map { item in
                "  \(item.itemKey): try \(item.attempts + 1) at \(item.nextAttemptAt.map(time.string(from:)) ?? "?") after \(item.error)"
            }
        }
        if !failed.isEmpty {
            lines.append("failed (\(counters[.failed])):")
            for item in failed {
                lines.append("  \(item.itemKey): \(item.error)" + (item.attempts > 1 ? " (\(item.attempts) tries)" : ""))
                lines += item.history.dropLast().map { "    try \($0.attempt): \($0.error)" }
            }
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
                         ("attempt", .int(Int64($0.attempt))), ("holder", $0.holder.map(JSONValue.string) ?? .null),
                         ("bytes", $0.bytes.map(JSONValue.int) ?? .null), ("bytes_expected", $0.bytesExpected.map(JSONValue.int) ?? .null)])
            })),
            ("failed_items", .array(failed.map { Self.json($0, format) })),
            ("retrying_items", .array(retrying.map { Self.json($0, format) })),
            ("workers", .array(workers.map {
                .object([("id", .string($0.id)), ("host", .string($0.host)), ("pid", .int(Int64($0.pid))),
                         ("heartbeat_at", .string(format.string(from: $0.heartbeatAt))),
                         ("current_item", $0.currentItem.map(JSONValue.string) ?? .null),
                         ("bytes_per_second", $0.bytesPerSecond.map(JSONValue.double) ?? .null)])
            })),
            ("events", .array(events.map {
                .object([("at", .string(format.string(from: $0.at))), ("kind", .string($0.kind)), ("message", .string($0.message))])
            })),
        ]
        return .object(members)
    }

    /// An item with its failed tries: `history` oldest first, `next_attempt_at` while it waits.
    static func json(_ item: FailedItem, _ format: ISO8601DateFormatter) -> JSONValue {
        .object([
            ("item_key", .string(item.itemKey)), ("title", .string(item.title)), ("error", .string(item.error)),
            ("error_kind", item.kind.map { .string($0.rawValue) } ?? .null), ("attempts", .int(Int64(item.attempts))),
            ("next_attempt_at", item.nextAttemptAt.map { .string(format.string(from: $0)) } ?? .null),
            ("history", .array(item.history.map {
                .object([("attempt", .int(Int64($0.attempt))), ("outcome", .string($0.outcome)), ("error", .string($0.error)),
                         ("error_kind", $0.kind.map { .string($0.rawValue) } ?? .null), ("ended_at", .string(format.string(from: $0.endedAt)))])
            })),
        ])
    }
}
