import Foundation
import Synchronization

/// A condition a test waited for did not hold in time: the test fails instead of hanging.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let what: String
    public let after: Duration
    public var description: String { "gave up after \(after): \(what)" }
}

/// Polls `condition` until it holds; throws `DeadlineExceeded` after `timeout`.
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10),
    _ condition: () throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try !condition() {
        guard clock.now < deadline else { throw DeadlineExceeded(what: what, after: timeout) }
        try await Task.sleep(for: interval)
    }
}

/// `waitUntil` on the calling thread, which it blocks: for a test's own thread (`offPool`),
/// whose waits must not depend on a concurrency pool the rest of the suite keeps busy.
public func waitUntilBlocking(
    _ what: String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10), _ condition: () throws -> Bool
) throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try !condition() {
        guard clock.now < deadline else { throw DeadlineExceeded(what: what, after: timeout) }
        usleep(useconds_t(interval / .microseconds(1)))
    }
}

/// `waitUntil` for a condition that has to await (a store read).
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else { throw DeadlineExceeded(what: what, after: timeout) }
        try await Task.sleep(for: interval)
    }
}

/// The value of `operation`, or `DeadlineExceeded` after `timeout` (the operation is then
/// cancelled and left to end on its own: it may be stuck in a blocking call).
public func withDeadline<T: Sendable>(
    _ what: String, timeout: Duration = .seconds(30), _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    let work = Task {
        do { outcome.set(.success(try await operation())) } catch { outcome.set(.failure(error)) }
    }
    let timer = Task {
        try await Task.sleep(for: timeout)
        outcome.set(.failure(DeadlineExceeded(what: what, after: timeout)))
    }
    let result = await outcome.value()
    timer.cancel()
    work.cancel()
    return try result.get()
}

/// The first result set wins; `value` waits for it.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let gate = Gate()

    func set(_ value: Result<T, any Error>) {
        let first = result.withLock { result in
            guard result == nil else { return false }
            result = value
            return true
        }
        if first { gate.open() }
    }

    func value() async -> Result<T, any Error> {
        await gate.wait()
        return result.withLock { $0! }
    }
}

/// Suspends arrivals until `count` have arrived, then lets them all (and everyone after) through:
/// "these many are inside at once", without sleeping.
public final class Barrier: Sendable {
    private let count: Int
    private let state = Mutex<(arrived: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    public init(count: Int) {
        self.count = count
    }

    public func arrive() async {
        await withCheckedContinuation { continuation in
            let release: [CheckedContinuation<Void, Never>] = state.withLock { state in
                state.arrived += 1
                if state.arrived < count {
                    state.waiters.append(continuation)
                    return []
                }
                defer { state.waiters.removeAll() }
                return state.waiters + [continuation]
            }
            for waiter in release { waiter.resume() }
        }
    }
}

/// Runs blocking work (a child process waited for, a large file written) on a thread of its
/// own rather than one of the few the concurrency pool has: a test that blocks a pool thread
/// for seconds stalls the tests that run beside it.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
