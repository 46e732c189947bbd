import Foundation
import DequeModule

/// Runs blocking C work (libav, curl easy, file I/O, hashing) off the cooperative thread pool,
/// which has only as many threads as cores, on a fixed set of threads of its own. A call whose
/// task is cancelled before a thread takes it never runs (it throws `CancellationError`), the
/// shape of swift-nio's `NIOThreadPool.runIfActive`. Callers bound how many run at once with
/// lane permits; the pool's size only has to cover the lanes (downloads, transcodes, disk).
public enum BlockingIO {
    /// 16 per core, at least 64: room for every lane's permits with headroom (an embedding
    /// host, or a test process, may run several graphs at once). Idle threads cost a stack each.
    static let pool = BlockingPool(threads: max(64, 16 * ProcessInfo.processInfo.activeProcessorCount))

    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let work = BlockingWork()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<T, any Error>) in
                pool.submit {
                    guard !work.isCancelled else {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    continuation.resume(with: Result { try body() })
                }
            }
        } onCancel: {
            work.cancel()
        }
    }
}

/// The cancel mark of one call. @unchecked Sendable: `cancelled` is only touched under `lock`.
final class BlockingWork: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// A fixed number of threads taking closures from one queue, oldest first. A closure goes
/// straight to the thread that went idle last (its stack, its allocator's cache and what libav
/// left in its caches still warm), so that a few threads do the work while the rest sleep;
/// the queue holds closures only while every thread is busy.
/// @unchecked Sendable: `queue` and `idle` are only touched while holding `lock`.
final class BlockingPool: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: Deque<@Sendable () -> Void> = []
    /// Threads waiting for work, the last one to go idle at the end.
    private var idle: [Parked] = []

    /// One idle thread: it sleeps until `hand` gives it a closure.
    private final class Parked: @unchecked Sendable {
        private let condition = NSCondition()
        private var work: (@Sendable () -> Void)?

        func hand(_ body: @escaping @Sendable () -> Void) {
            condition.lock()
            work = body
            condition.signal()
            condition.unlock()
        }

        func wait() -> @Sendable () -> Void {
            condition.lock()
            defer { condition.unlock() }
            while true {
                if let body = work {
                    work = nil
                    return body
                }
                condition.wait()
            }
        }
    }

    init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.name = "media-engine.blocking.\(index)"
            thread.start()
        }
    }

    func submit(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        guard let parked = idle.popLast() else {
            queue.append(body)
            lock.unlock()
            return
        }
        lock.unlock()
        parked.hand(body)
    }

    private func work() {
        let parked = Parked()
        while true {
            lock.lock()
            if let body = queue.popFirst() {
                lock.unlock()
                body()
                continue
            }
            idle.append(parked)
            lock.unlock()
            parked.wait()()
        }
    }
}
