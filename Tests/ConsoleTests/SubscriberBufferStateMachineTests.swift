@testable import Console
import Testing

/// The event-stream client buffer, synchronously: coalescing by key, the bound, hand-off to a
/// waiting reader, and the end.
@Suite struct SubscriberBufferStateMachineTests {
    typealias Machine = SubscriberBufferStateMachine<String>

    @Test func aKeyedMessageReplacesTheWaitingOneWithItsKey() {
        var machine = Machine(capacity: 4, overflow: "overflow")
        _ = machine.push("progress 1 of a", key: "a")
        _ = machine.push("event 7")
        _ = machine.push("progress 2 of a", key: "a")
        _ = machine.push("progress 1 of b", key: "b")
        #expect(machine.waiting == 3)
        #expect(machine.next("reader") == .message("progress 2 of a"), "the newest value, in the first one's place")
        #expect(machine.next("reader") == .message("event 7"))
        #expect(machine.next("reader") == .message("progress 1 of b"))
    }

    @Test func aFullBufferIsDroppedForOneOverflowMessage() {
        var machine = Machine(capacity: 3, overflow: "overflow")
        for n in 0..<3 { _ = machine.push("event \(n)") }
        _ = machine.push("event 3")
        _ = machine.push("event 4")
        #expect(machine.waiting == 2, "bounded: the overflow note and what came after")
        #expect(machine.next("reader") == .message("overflow"))
        #expect(machine.next("reader") == .message("event 4"))
        #expect(machine.next("reader") == .suspend)
    }

    @Test func aWaitingReaderGetsTheNextMessageAndTheEndWakesIt() {
        var machine = Machine(capacity: 2, overflow: "overflow")
        #expect(machine.next("reader") == .suspend)
        guard case .resume(let waiter, let message) = machine.push("event 1") else {
            Issue.record("the waiting reader is handed the message")
            return
        }
        #expect(waiter == "reader" && message == "event 1" && machine.waiting == 0)
        #expect(machine.next("reader 2") == .suspend)
        #expect(machine.finish() == "reader 2")
        guard case .none = machine.push("late") else {
            Issue.record("nothing is queued after the end")
            return
        }
        #expect(machine.next("reader") == .finished)
    }
}
