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
        #expect(r1 == ["first"])
        #expect(lane.inUse == 2)
        let r2 = lane.release(), r3 = lane.release(), r4 = lane.release()
        #expect(r2 == ["second"] && r3 == [] && r4 == [])
        #expect(lane.inUse == 0)
    }

    @Test func aQueuedWaiterIsNotOvertakenByANewcomer() throws {
        var lane = Machine(limit: 1)
        _ = lane.acquire()
        let id = try #require(waitID(&lane))
        _ = lane.suspend(id: id, waiter: "queued")
        let next = lane.release()
        #expect(next == ["queued"])
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
        #expect(cancelled.cancelled == "a" && cancelled.granted == [], "b still waits for the held permit")
        let next = lane.release()
        #expect(next == ["b"])
        let c = try #require(waitID(&lane))
        let early = lane.cancel(id: c)
        #expect(early.cancelled == nil)
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

    /// A holder that counts as several permits (a codec with threads) waits until that many are
    /// free, keeps its place in the queue, and more than the limit takes the whole lane.
    @Test func aWeightedRequestTakesThatManyPermitsInTurn() throws {
        var lane = Machine(limit: 4)
        #expect(lane.acquire(weight: 3) == .granted && lane.inUse == 3)
        guard case .wait(let heavy) = lane.acquire(weight: 2), case .suspended = lane.suspend(id: heavy, weight: 2, waiter: "heavy"),
            case .wait(let light) = lane.acquire(weight: 1)
        else {
            Issue.record("2 more do not fit beside 3 of 4; 1 must not overtake the queued request")
            return
        }
        _ = lane.suspend(id: light, weight: 1, waiter: "light")
        #expect(lane.release(weight: 3) == ["heavy", "light"], "both fit once the 3 are back")
        #expect(lane.inUse == 3)
        #expect(lane.release(weight: 2) == [] && lane.release(weight: 1) == [] && lane.inUse == 0)

        #expect(lane.acquire(weight: 16) == .granted && lane.inUse == 4, "more than the limit takes the whole lane")
        guard case .wait(let big) = lane.acquire(weight: 3), case .suspended = lane.suspend(id: big, weight: 3, waiter: "big"),
            case .wait(let small) = lane.acquire(), case .suspended = lane.suspend(id: small, waiter: "small")
        else {
            Issue.record("a full lane queues")
            return
        }
        #expect(lane.release(weight: 16) == ["big", "small"])
        guard case .wait(let third) = lane.acquire(weight: 2), case .suspended = lane.suspend(id: third, weight: 2, waiter: "third"),
            case .wait(let fourth) = lane.acquire(), case .suspended = lane.suspend(id: fourth, waiter: "fourth")
        else {
            Issue.record("the lane is full")
            return
        }
        #expect(lane.release() == [], "1 free: the first in the queue needs 2")
        let cancelled = lane.cancel(id: third)
        #expect(cancelled.cancelled == "third" && cancelled.granted == ["fourth"], "the one behind it goes once it leaves")
    }
}
