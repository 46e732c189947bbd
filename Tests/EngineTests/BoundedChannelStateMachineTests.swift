import Engine
import Testing

/// Synchronous tests of the channel's state machine: waiters are plain strings.
@Suite struct BoundedChannelStateMachineTests {
    typealias Machine = BoundedChannelStateMachine<Int, String, String>

    /// Fills a capacity-1 channel and returns the id a second sender must wait under.
    func fullChannel(_ machine: inout Machine) -> UInt64? {
        _ = machine.send(1)
        guard case .full(_, let id) = machine.send(2) else { return nil }
        return id
    }

    @Test func buffersUpToCapacityThenReportsFull() {
        var machine = Machine(capacity: 2)
        guard case .buffered = machine.send(1), case .buffered = machine.send(2) else {
            Issue.record("first two sends should buffer")
            return
        }
        guard case .full(let element, _) = machine.send(3) else {
            Issue.record("third send should find the channel full")
            return
        }
        #expect(element == 3)
        #expect(machine.bufferedCount == 2)
    }

    @Test func waitingSenderIsAdmittedWhenAReceiverFreesASlot() throws {
        var machine = Machine(capacity: 1)
        let id = try #require(fullChannel(&machine))
        guard case .suspended = machine.suspendSender(id: id, element: 2, waiter: "sender") else {
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
        guard case .empty(let id) = machine.receive(), case .suspended = machine.suspendReceiver(id: id, waiter: "receiver") else {
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
        let waiting = machine.finish()
        #expect(waiting.isEmpty)
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
        for waiter in ["a", "b"] {
            guard case .empty(let id) = machine.receive() else { return }
            _ = machine.suspendReceiver(id: id, waiter: waiter)
        }
        let waiting = machine.finish()
        #expect(waiting == ["a", "b"])
    }

    @Test func cancellingAWaitingSenderRemovesItsElement() throws {
        var machine = Machine(capacity: 1)
        let id = try #require(fullChannel(&machine))
        _ = machine.suspendSender(id: id, element: 2, waiter: "s")
        let cancelled = machine.cancelSender(id: id)
        #expect(cancelled == "s")
        #expect(machine.waitingSenders == 0)
        _ = machine.receive()
        guard case .empty = machine.receive() else {
            Issue.record("the cancelled sender's element must not arrive")
            return
        }
    }

    @Test func cancellationBeforeRegistrationFailsTheRegistration() throws {
        var machine = Machine(capacity: 1)
        let id = try #require(fullChannel(&machine))
        let none = machine.cancelSender(id: id)
        #expect(none == nil)
        guard case .fail("late") = machine.suspendSender(id: id, element: 2, waiter: "late") else {
            Issue.record("a sender cancelled before registering must fail")
            return
        }
        _ = machine.receive()
        guard case .empty(let receiveID) = machine.receive() else { return }
        let noReceiver = machine.cancelReceiver(id: receiveID)
        #expect(noReceiver == nil)
        guard case .fail("r") = machine.suspendReceiver(id: receiveID, waiter: "r") else {
            Issue.record("a receiver cancelled before registering must fail")
            return
        }
    }

    @Test func cancellingAnAlreadyResumedWaiterLeavesNothingBehind() throws {
        var machine = Machine(capacity: 1)
        let id = try #require(fullChannel(&machine))
        _ = machine.suspendSender(id: id, element: 2, waiter: "s")
        _ = machine.receive()  // admits and resumes the sender
        let late = machine.cancelSender(id: id)
        #expect(late == nil)
        // The id is forgotten, not remembered as cancelled: a later registration under a
        // fresh id is unaffected.
        let next = try #require(fullChannel(&machine))
        guard case .suspended = machine.suspendSender(id: next, element: 3, waiter: "t") else {
            Issue.record("a fresh sender must suspend normally")
            return
        }
    }

    @Test func aSenderThatRegistersAfterFinishIsToldSo() throws {
        var machine = Machine(capacity: 1)
        let id = try #require(fullChannel(&machine))
        _ = machine.finish()
        guard case .finished("s") = machine.suspendSender(id: id, element: 2, waiter: "s") else {
            Issue.record("registration after finish must report finished")
            return
        }
    }

    @Test func drainReturnsBufferedAndWaitingElementsAndEndsReceivers() throws {
        var machine = Machine(capacity: 1)
        let id = try #require(fullChannel(&machine))
        _ = machine.suspendSender(id: id, element: 2, waiter: "s")
        let (elements, senders, receivers) = machine.drain()
        #expect(elements == [1, 2])
        #expect(senders == ["s"])
        #expect(receivers.isEmpty)
        var empty = Machine(capacity: 1)
        guard case .empty(let receiveID) = empty.receive() else { return }
        _ = empty.suspendReceiver(id: receiveID, waiter: "r")
        #expect(empty.drain().receivers == ["r"])
    }
}
