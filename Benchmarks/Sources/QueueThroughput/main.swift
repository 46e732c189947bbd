import Engine
import Foundation
import PostgresStore

// The shared store as a queue: durable claim-and-complete throughput of no-op items through
// PostgreSQL with 1, 2 and 4 workers (each its own connection pool, as separate processes
// are), every transition recorded (claimed with a lease, a step, settled), beside SQLite's
// single runner in the same run; then the claim's latency with a million finished items in
// the table (it must stay flat: an index of open items only).
//   ENGINE_STORE_PASSWORD=… swift run -c release --package-path Benchmarks QueueThroughput postgres://USER@HOST:PORT/DB [ITEMS=20000]
let arguments = CommandLine.arguments.dropFirst()
guard let urlText = arguments.first, let url = try? PostgresStoreURL(urlText) else {
    say("usage: QueueThroughput postgres://USER@HOST:PORT/DB [ITEMS]")
    exit(2)
}
let count = arguments.dropFirst().first.flatMap(Int.init) ?? 20_000
let clock = ContinuousClock()
/// Prints a figure at once (unbuffered: a later failure keeps what was measured).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

func items(_ count: Int, prefix: String) -> [MediaItem] {
    (0..<count).map { MediaItem(source: "bench", remoteID: "\(prefix)-\($0)", title: "Item \($0)", url: "file:///bench/\($0).mp3") }
}

/// A job of `count` pending items in `store`.
func makeJob(_ store: any JobStore, count: Int, prefix: String) async throws -> Int64 {
    let job = try await store.createJob(JobSpec(type: .ingest, inputs: ["bench"], stages: ["work"]))
    let all = items(count, prefix: prefix)
    for start in stride(from: 0, to: count, by: 2_000) {
        try await store.enqueue(jobID: job.id, items: Array(all[start..<min(count, start + 2_000)]), completingInput: nil)
    }
    return job.id
}

/// One worker: claims batches of 64 until none is left; each item gets a step and a settle
/// (queued, group-committed), as the runner records them.
func drain(_ store: any JobStore, job: Int64, holder: String) async throws -> Int {
    var done = 0
    while case let batch = try await store.claim(jobID: job, holder: holder, limit: 64, leaseDuration: .seconds(30)), !batch.isEmpty {
        store.submitSteps(batch.map { (lease: $0.lease, step: "work") })
        for claimed in batch { store.submitSettle(claimed.lease, .succeeded(bytes: 1)) }
        done += batch.count
    }
    try await store.flush()
    return done
}

func throughput(workers: [any JobStore], job: Int64) async throws -> Double {
    let start = clock.now
    let done = try await withThrowingTaskGroup(of: Int.self) { group in
        for (n, store) in workers.enumerated() { group.addTask { try await drain(store, job: job, holder: "bench-\(n)") } }
        return try await group.reduce(0, +)
    }
    precondition(done == count, "\(done) of \(count) items settled")
    return Double(done) / seconds(clock.now - start)
}

// SQLite, one runner (its design: one writer per data directory).
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("queue-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let sqlite = try SQLiteJobStore(path: dir.appendingPathComponent("engine.sqlite").path)
let sqliteRate = try await throughput(workers: [sqlite], job: try await makeJob(sqlite, count: count, prefix: "s"))
say(String(format: "sqlite   1 runner : %8.0f items/s", sqliteRate))

let schema = "bench_\(UInt32.random(in: 0...UInt32.max))"
let setup = try await PostgresJobStore.open(url: url, schema: schema)
var rates: [Int: Double] = [:]
for n in [1, 2, 4] {
    let job = try await makeJob(setup, count: count, prefix: "w\(n)")
    var workers: [PostgresJobStore] = []
    for _ in 0..<n { workers.append(try await PostgresJobStore.open(url: url, schema: schema, maximumConnections: 2)) }
    rates[n] = try await throughput(workers: workers, job: job)
    for worker in workers { await worker.close() }
    say(String(format: "postgres %d worker%@: %8.0f items/s (%.2fx SQLite's one runner)", n, n == 1 ? " " : "s", rates[n]!, rates[n]! / sqliteRate))
}

/// Runs SQL through psql (the password from ENGINE_STORE_PASSWORD, as the store takes it).
func psql(_ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
    process.arguments = ["-h", url.host, "-p", "\(url.port)", "-U", url.user, "-d", url.database, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
    var environment = ProcessInfo.processInfo.environment
    environment["PGPASSWORD"] = url.password()
    environment["PGOPTIONS"] = "-c client_min_messages=warning"  // no NOTICE per dropped table
    process.environment = environment
    try process.run()
    process.waitUntilExit()
    precondition(process.terminationStatus == 0, "psql failed")
}

/// Median and 99th percentile of 200 claims of 32 (each settled at once) from a job of 20,000 pending items.
func claimLatency(_ store: PostgresJobStore, prefix: String) async throws -> (p50: Double, p99: Double) {
    let job = try await makeJob(store, count: 20_000, prefix: prefix)
    var samples: [Double] = []
    for _ in 0..<200 {
        let start = clock.now
        let batch = try await store.claim(jobID: job, holder: "latency", limit: 32, leaseDuration: .seconds(30))
        samples.append(seconds(clock.now - start) * 1000)
        for claimed in batch { store.submitSettle(claimed.lease, .succeeded(bytes: nil)) }
    }
    try await store.flush()
    samples.sort()
    return (samples[samples.count / 2], samples[samples.count * 99 / 100])
}

let before = try await claimLatency(setup, prefix: "l1")
// A million finished items of an old job, written in bulk, as years of history would leave them.
let history = try await setup.createJob(JobSpec(type: .ingest, inputs: ["history"], stages: ["work"]))
let fill = clock.now
try psql(
    """
    INSERT INTO \(schema).job_items (job_id, item_key, title, source, remote_id, url, status, attempts, created_at, finished_at)
    SELECT \(history.id), 'history:' || g, 'Item ' || g, 'history', g::text, 'file:///history/' || g, 'succeeded', 1, 0, 0
    FROM generate_series(1, 1000000) g
    """)
try psql("VACUUM ANALYZE \(schema).job_items")  // as autovacuum would (VACUUM runs outside a transaction)
say(String(format: "1,000,000 finished items written in %.1f s", seconds(clock.now - fill)))
let after = try await claimLatency(setup, prefix: "l2")
say(String(format: "claim of 32, median/p99: %.2f/%.2f ms before, %.2f/%.2f ms with 1M finished items (%.2fx)",
    before.p50, before.p99, after.p50, after.p99, after.p50 / before.p50))
await setup.close()
try psql("DROP SCHEMA \(schema) CASCADE")  // the million rows go with it
