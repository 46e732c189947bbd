import Dispatch
import Engine
import Foundation
import Stages

// podcast-archiver FEED... --dest DIR [--workers N]
//
// Archives every episode of the feeds into DIR (one file per episode, by feed author and
// title, with a JSON sidecar from this program's own stage), as a durable job in DIR's own
// store: Ctrl-C pauses it (episodes in flight finish), and running the same command again
// resumes it where it stopped, downloading nothing twice.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("podcast-archiver: \(message)\n".utf8))
    exit(2)
}

var feeds: [String] = []
var destination: String?
var workers = 4
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--dest":
        guard let folder = arguments.popFirst() else { fail("--dest needs a folder") }
        destination = folder
    case "--workers":
        guard let count = arguments.popFirst().flatMap(Int.init), count > 0 else { fail("--workers needs a number") }
        workers = count
    default: feeds.append(argument)
    }
}
guard let destination, !feeds.isEmpty else { fail("usage: podcast-archiver FEED... --dest DIR [--workers N]") }

let root = URL(fileURLWithPath: destination)
let state = root.appendingPathComponent(".archiver")
let temporary = state.appendingPathComponent("tmp")
try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
// One run at a time per archive: the lock is held until the program ends.
let lock: RunnerLock
do {
    lock = try DataDirectory(root: state).lockRunner()
} catch {
    fail("\(destination): \(error)")
}
let store = try SQLiteJobStore(path: state.appendingPathComponent("engine.sqlite").path)
let runner = JobRecovery.newRunnerID()
_ = try await JobRecovery.recover(store: store, runner: runner)  // what a crashed run left goes back to the queue

// The built-in stages up to the library (no processors, no renditions), then this host's own.
let library = LocalLibrary(root: root)
var options = DefaultGraph.Options(inputs: feeds, downloadWorkers: workers, renditions: .none)
options.processors = .none
let stages = DefaultGraph.stages(options, store: store, library: library, downloader: Downloader())
    .filter { ["catalog", "resolve", "download", "probe", "store"].contains($0.name) } + [Sidecar(library: library)]

// The job: the one an earlier run over the same feeds paused, or a new one.
let job: JobRecord
if let open = try await store.newestUnfinishedJob(), [.queued, .paused].contains(open.status),
    try await store.jobInputs(open.id).map(\.input) == feeds
{
    job = open
    print("resuming job \(job.id)")
} else {
    job = try await store.createJob(JobSpec(type: .ingest, inputs: feeds, stages: stages.map(\.name)))
}
let run = JobRun(
    store: store, jobID: job.id, runner: runner, stages: stages, collector: CollectorInputs(Collector(fetcher: PageFetcher())),
    lanes: Lanes(LaneLimits(network: workers)), temporaryDirectory: temporary)

// Ctrl-C: pause (the episodes in flight finish; the rest wait for the next run).
signal(SIGINT, SIG_IGN)
let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .main)  // top-level code is the main actor's
interrupt.setEventHandler {
    FileHandle.standardError.write(Data("podcast-archiver: pausing; run the same command again to resume\n".utf8))
    run.requestPause()
}
interrupt.resume()

// Progress, from the run's events (the job runs as they are read): one line per episode.
var end: JobRunEnd = .incomplete
do {
    for try await event in run.events() {
        switch event {
        case .item(.completed(let item)): print("archived: \(item.title)")
        case .item(.skipped(_, let item, let reason)): print("skipped: \(item.title) (\(reason))")
        case .item(.failed(let stage, let item, let error)): print("failed: \(item.title) in \(stage): \(error)")
        case .item: break
        case .ended(let how): end = how
        }
    }
} catch {
    fail("job \(job.id): \(error)")
}
withExtendedLifetime(lock) {}
switch end {
case .finished(let status):
    print("job \(job.id) \(status.rawValue)")
    exit(status == .completed ? 0 : 1)
case .paused, .stopped:
    print("job \(job.id) paused")
    exit(130)
case let other:
    print("job \(job.id): \(other)")
    exit(1)
}
