@testable import Engine
import Testing
import TestSupport

@Suite struct DoorbellTests {
    /// A ring ends an hour's wait; a ring while nobody waits is kept for the next wait. (A
    /// machine busy with the rest of the suite may run the waiter late, so no time is asserted
    /// but the deadline, far below the hour.)
    @Test func aRingEndsTheWaitAndIsKeptWhenNobodyWaits() async throws {
        let bell = Doorbell()
        try await withDeadline("a rung wait", timeout: .seconds(600)) {
            async let waiter: Void = bell.wait(upTo: .seconds(3600))
            try await Task.sleep(for: .milliseconds(50))
            bell.ring()
            try await waiter
            bell.ring()
            try await bell.wait(upTo: .seconds(3600))
        }
    }

    @Test func withoutARingTheWaitEndsAtItsTimeout() async throws {
        try await Doorbell().wait(upTo: .milliseconds(20))
    }

    @Test func aCancelledWaitThrows() async throws {
        let bell = Doorbell()
        let waiter = Task { try await bell.wait(upTo: .seconds(30)) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }
}
