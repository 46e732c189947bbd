import Engine
import Foundation

// The smallest host of the runtime alone: it imports `Engine` only (no `Stages`), runs a graph
// of its own stages and opens a SQLite store. The test suite runs it and reads its libraries
// (`ldd`): a host that wants the runtime and the store links no libav, curl or S3 code.
//   EngineOnlyCheck [ITEMS=1000] [STORE_PATH]

struct Numbers: ItemSource {
    let count: Int
    var name: String { "numbers" }

    func produce(into emit: (Int) async throws -> Void, context: SourceContext) async throws {
        for number in 0..<count { try await emit(number) }
    }
}

/// A stage of this host's own: doubles each number, two at a time.
struct Doubling: ItemStage {
    var name: String { "double" }
    var concurrency: Int { 2 }

    func process(_ item: Int, context: StageContext) async throws -> StageResult<Int> { .forward(item * 2) }
}

/// Keeps the odd ones out (they leave the graph as skipped).
struct EvenOnly: ItemStage {
    var name: String { "even" }

    func process(_ item: Int, context: StageContext) async throws -> StageResult<Int> {
        item % 4 == 0 ? .forward(item) : .skip(item, reason: "not a multiple of four")
    }
}

final class Tally: GraphObserver, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var completed = 0, skipped = 0, sum = 0

    func graph(_ event: GraphEvent<Int>) async {
        lock.withLock {
            switch event {
            case .completed(let number): (completed, sum) = (completed + 1, sum + number)
            case .skipped: skipped += 1
            default: break
            }
        }
    }
}

let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap(Int.init) ?? 1000
let tally = Tally()
let graph = Graph(source: Numbers(count: count), stages: [Doubling(), EvenOnly()])
try await graph.run(lanes: Lanes(), temporaryDirectory: FileManager.default.temporaryDirectory, observer: tally)
print("graph: \(tally.completed) completed, \(tally.skipped) skipped, sum \(tally.sum)")
if let path = arguments.dropFirst().first {
    let store = try SQLiteJobStore(path: path)
    print("store: \(store.path) at migration \(SQLiteJobStore.knownMigrations.last ?? "none")")
}
