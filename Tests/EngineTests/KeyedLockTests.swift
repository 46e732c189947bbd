import Engine
import Synchronization
import Testing
import TestSupport

@Suite struct KeyedLockTests {
    /// The second holder of a key waits until the first is done; another key does not wait.
    @Test func equalKeysRunOneAtATimeAndOtherKeysRunBeside() async throws {
        let lock = KeyedLock<String>()
        let release = Gate(), insideFirst = Gate()
        let order = Log()
        let first = Task {
            await lock.withLock("same") {
                order.add("first in")
                insideFirst.open()
                await release.wait()
                order.add("first out")
            }
        }
        await insideFirst.wait()
        let second = Task { await lock.withLock("same") { order.add("second in") } }
        try await waitUntil("the second holder waits") { lock.waiting(for: "same") == 1 }
        // Another key is free while "same" is held.
        try await withDeadline("another key is not blocked") { await lock.withLock("other") {} }
        let entered = order.entries
        #expect(entered == ["first in"], "the second must not enter while the first holds the key")
        release.open()
        await first.value
        await second.value
        #expect(order.entries == ["first in", "first out", "second in"])
        #expect(lock.waiting(for: "same") == 0)
    }
}

private final class Log: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var entries: [String] { lines.withLock { $0 } }
}
