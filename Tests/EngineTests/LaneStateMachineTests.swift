import Engine
import Testing

@Suite struct LaneStateMachineTests {
    @Test func grantsUpToTheLimitThenQueuesInOrder() {
        var lane = LaneStateMachine<String>(limit: 2)
        let r1 = lane.tryAcquire()
        #expect(r1)
        let r2 = lane.tryAcquire()
        #expect(r2)
        let r3 = lane.tryAcquire()
        #expect(!r3)
        guard case .suspended = lane.suspend(id: 1, waiter: "first"),
            case .suspended = lane.suspend(id: 2, waiter: "second")
        else {
            Issue.record("waiters should queue when the lane is full")
            return
        }
        let r4 = lane.release()
        #expect(r4 == "first")
        #expect(lane.inUse == 2)
        let r5 = lane.release()
        #expect(r5 == "second")
        let r6 = lane.release()
        #expect(r6 == nil)
        let r7 = lane.release()
        #expect(r7 == nil)
        #expect(lane.inUse == 0)
    }

    @Test func aQueuedWaiterIsNotOvertakenByANewcomer() {
        var lane = LaneStateMachine<String>(limit: 1)
        let r8 = lane.tryAcquire()
        #expect(r8)
        _ = lane.suspend(id: 1, waiter: "queued")
        let r9 = lane.release()
        #expect(r9 == "queued")
        let r10 = lane.tryAcquire()
        #expect(!r10)
    }

    @Test func cancelledWaiterGivesUpItsPlace() {
        var lane = LaneStateMachine<String>(limit: 1)
        let r11 = lane.tryAcquire()
        #expect(r11)
        _ = lane.suspend(id: 1, waiter: "a")
        _ = lane.suspend(id: 2, waiter: "b")
        let r12 = lane.cancel(id: 1)
        #expect(r12 == "a")
        let r13 = lane.release()
        #expect(r13 == "b")
        let r14 = lane.cancel(id: 3)
        #expect(r14 == nil)
        guard case .fail("c") = lane.suspend(id: 3, waiter: "c") else {
            Issue.record("a waiter cancelled before registering must fail")
            return
        }
    }

    @Test func permitFreedBeforeRegistrationIsTakenAtOnce() {
        var lane = LaneStateMachine<String>(limit: 1)
        guard case .resume("w") = lane.suspend(id: 1, waiter: "w") else {
            Issue.record("a free permit should be granted at registration")
            return
        }
        #expect(lane.inUse == 1)
    }
}
