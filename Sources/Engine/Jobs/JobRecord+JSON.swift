import Foundation

extension JobRecord {
    /// The job as the CLI's `--json` and the console's `/api/` show it.
    public func json(counters: JobCounters) -> JSONValue {
        .object([
            ("id", .int(id)), ("type", .string(type.rawValue)), ("status", .string(status.rawValue)),
            ("collected", .int(Int64(collected))), ("collection_done", .bool(collectionDone)),
            ("items", .object(ItemStatus.allCases.map { ($0.rawValue, JSONValue.int(Int64(counters[$0]))) })),
            ("runner", runner.map(JSONValue.string) ?? .null), ("error", error.map(JSONValue.string) ?? .null),
            ("created_at", .string(ISO8601DateFormatter().string(from: createdAt))),
            ("started_at", startedAt.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null),
            ("finished_at", finishedAt.map { .string(ISO8601DateFormatter().string(from: $0)) } ?? .null),
        ])
    }
}
