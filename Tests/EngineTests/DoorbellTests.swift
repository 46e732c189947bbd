@testable import Engine
import Testing

@Suite struct DoorbellTests {
    /// A ring ends a long wait at once; a ring while nobody waits is kept for the next wait.
    @Test func aRingEndsTheWaitAndIsKeptWhenNobodyWaits() async throws {
        let bell = Doorbell()
        let clock = ContinuousClock()
        let waiter = Task { try await clock.measure { try await bell.wait(upTo: .seconds(30)) } }
        try await Task.sleep(for: .milliseconds(50))
        bell.ring()
        #expect(try await waiter.value < .seconds(30))
        bell.ring()
        let kept = try await clock.measure { try await bell.wait(upTo: .seconds(30)) }
        #expect(kept < .seconds(30))
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
