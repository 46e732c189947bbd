import Engine
import Testing

/// Synchronous tests of the channel's state machine: waiters are plain strings.
@Suite struct BoundedChannelStateMachineTests {
    typealias Machine = BoundedChannelStateMachine<Int, String, String>

    @Test func buffersUpToCapacityThenReportsFull() {
        var machine = Machine(capacity: 2)
        guard case .buffered = machine.send(1), case .buffered = machine.send(2) else {
            Issue.record("first two sends should buffer")
            return
        }
        guard case .full(let element) = machine.send(3) else {
            Issue.record("third send should find the channel full")
            return
        }
        #expect(element == 3)
        #expect(machine.bufferedCount == 2)
    }

    @Test func waitingSenderIsAdmittedWhenAReceiverFreesASlot() {
        var machine = Machine(capacity: 1)
        _ = machine.send(1)
        guard case .suspended = machine.suspendSender(id: 1, element: 2, waiter: "sender") else {
            Issue.record("sender should suspend on a full channel")
            return
        }
        guard case .element(let first, let resumed) = machine.receive() else {
            Issue.record("receive should return the buffered element")
            return
        }
        #expect(first == 1)
        #expect(resumed == "sender")
        #expect(machine.bufferedCount == 1)
        guard case .element(let second, nil) = machine.receive() else {
            Issue.record("the admitted element should be next")
            return
        }
        #expect(second == 2)
    }

    @Test func sendGoesStraightToAWaitingReceiver() {
        var machine = Machine(capacity: 4)
        guard case .suspended = machine.suspendReceiver(id: 1, waiter: "receiver") else {
            Issue.record("receiver should suspend on an empty channel")
            return
        }
        guard case .deliver(let receiver, let element) = machine.send(7) else {
            Issue.record("send should deliver to the waiting receiver")
            return
        }
        #expect(receiver == "receiver" && element == 7)
        #expect(machine.bufferedCount == 0)
    }

    @Test func finishDrainsTheBufferThenEndsReceivers() {
        var machine = Machine(capacity: 4)
        _ = machine.send(1)
        let r1 = machine.finish()
        #expect(r1.isEmpty)
        guard case .element(1, nil) = machine.receive(), case .finished = machine.receive() else {
            Issue.record("buffered element first, then finished")
            return
        }
        guard case .finished = machine.send(2) else {
            Issue.record("send after finish must be refused")
            return
        }
    }

    @Test func finishResumesWaitingReceiversWithNothing() {
        var machine = Machine(capacity: 1)
        _ = machine.suspendReceiver(id: 1, waiter: "a")
        _ = machine.suspendReceiver(id: 2, waiter: "b")
        let r2 = machine.finish()
        #expect(r2 == ["a", "b"])
    }

    @Test func cancellingAWaitingSenderRemovesItsElement() {
        var machine = Machine(capacity: 1)
        _ = machine.send(1)
        _ = machine.suspendSender(id: 5, element: 2, waiter: "s")
        let r3 = machine.cancelSender(id: 5)
        #expect(r3 == "s")
        #expect(machine.waitingSenders == 0)
        _ = machine.receive()
        guard case .empty = machine.receive() else {
            Issue.record("the cancelled sender's element must not arrive")
            return
        }
    }

    @Test func cancellationBeforeRegistrationFailsTheRegistration() {
        var machine = Machine(capacity: 1)
        _ = machine.send(1)
        let r4 = machine.cancelSender(id: 9)
        #expect(r4 == nil)
        guard case .fail("late") = machine.suspendSender(id: 9, element: 2, waiter: "late") else {
            Issue.record("a sender cancelled before registering must fail")
            return
        }
        let r5 = machine.cancelReceiver(id: 10)
        #expect(r5 == nil)
        guard case .fail("r") = machine.suspendReceiver(id: 10, waiter: "r") else {
            Issue.record("a receiver cancelled before registering must fail")
            return
        }
    }

    @Test func drainReturnsBufferedAndWaitingElements() {
        var machine = Machine(capacity: 1)
        _ = machine.send(1)
        _ = machine.suspendSender(id: 1, element: 2, waiter: "s")
        let (elements, senders) = machine.drain()
        #expect(elements == [1, 2])
        #expect(senders == ["s"])
    }
}
