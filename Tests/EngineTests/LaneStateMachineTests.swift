import Engine
import Testing

@Suite struct LaneStateMachineTests {
    typealias Machine = LaneStateMachine<String>

    func waitID(_ lane: inout Machine) -> UInt64? {
        guard case .wait(let id) = lane.acquire() else { return nil }
        return id
    }

    @Test func grantsUpToTheLimitThenQueuesInOrder() throws {
        var lane = Machine(limit: 2)
        let first = lane.acquire(), second = lane.acquire()
        #expect(first == .granted && second == .granted)
        let a = try #require(waitID(&lane)), b = try #require(waitID(&lane))
        guard case .suspended = lane.suspend(id: a, waiter: "first"), case .suspended = lane.suspend(id: b, waiter: "second") else {
            Issue.record("waiters should queue when the lane is full")
            return
        }
        let r1 = lane.release()
        #expect(r1 == "first")
        #expect(lane.inUse == 2)
        let r2 = lane.release(), r3 = lane.release(), r4 = lane.release()
        #expect(r2 == "second" && r3 == nil && r4 == nil)
        #expect(lane.inUse == 0)
    }

    @Test func aQueuedWaiterIsNotOvertakenByANewcomer() throws {
        var lane = Machine(limit: 1)
        _ = lane.acquire()
        let id = try #require(waitID(&lane))
        _ = lane.suspend(id: id, waiter: "queued")
        let next = lane.release()
        #expect(next == "queued")
        let newcomer = lane.acquire()
        #expect(newcomer != .granted)
    }

    @Test func cancelledWaiterGivesUpItsPlace() throws {
        var lane = Machine(limit: 1)
        _ = lane.acquire()
        let a = try #require(waitID(&lane)), b = try #require(waitID(&lane))
        _ = lane.suspend(id: a, waiter: "a")
        _ = lane.suspend(id: b, waiter: "b")
        let cancelled = lane.cancel(id: a)
        #expect(cancelled == "a")
        let next = lane.release()
        #expect(next == "b")
        let c = try #require(waitID(&lane))
        let early = lane.cancel(id: c)
        #expect(early == nil)
        guard case .fail("c") = lane.suspend(id: c, waiter: "c") else {
            Issue.record("a waiter cancelled before registering must fail")
            return
        }
    }

    @Test func permitFreedBeforeRegistrationIsTakenAtOnce() throws {
        var lane = Machine(limit: 1)
        _ = lane.acquire()
        let id = try #require(waitID(&lane))
        _ = lane.release()
        guard case .resume("w") = lane.suspend(id: id, waiter: "w") else {
            Issue.record("a free permit should be granted at registration")
            return
        }
        #expect(lane.inUse == 1)
    }
}
