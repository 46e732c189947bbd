import Synchronization

/// What a run of a job reports while it works: each item's progress through the graph, in the
/// order it happens for that item, and last how the run ended.
public enum JobRunEvent: Sendable {
    /// One step of one item (collected, started or finished in a stage, failed, completed…).
    case item(GraphEvent<MediaItem>)
    /// The run ended; nothing follows.
    case ended(JobRunEnd)
}

extension JobRun {
    /// Runs the job when iterated, reporting its progress as an `AsyncSequence`:
    ///
    /// ```swift
    /// for try await event in run.events() {
    ///     if case .item(.completed(let item)) = event { print("stored", item.title) }
    ///     if case .ended(let end) = event { print("job", end) }
    /// }
    /// ```
    ///
    /// The run starts with the first `next()`, and `ended` is the last event; an error that
    /// stops the run (the store gone) is thrown instead, after the events before it. Events are
    /// buffered up to `buffer`, then the graph waits for the reader: a slow reader slows the
    /// run, and no event is dropped while it reads.
    ///
    /// To stop the run, call ``requestPause(immediate:)`` and read on until `ended`. A reader
    /// that stops early instead (its task cancelled, a `break`, an error thrown in the loop)
    /// stops the run as ``requestShutdown(grace:)`` with no grace does: the job is left paused
    /// and resumable (queued again on a shared store, for another worker). A cancelled reader
    /// gets `CancellationError` once the run has ended; after a `break` the run ends in the
    /// background.
    ///
    /// - Parameters:
    ///   - from: The statuses the job may be taken from, as for ``run(observer:from:)``.
    ///   - buffer: How many events may wait for the reader.
    /// - Returns: One run's events; iterate it once (a ``JobRun`` runs once).
    public func events(from: Set<JobStatus> = [.queued, .paused], buffer: Int = 256) -> JobRunEvents {
        JobRunEvents(run: self, from: from, buffer: buffer)
    }
}

/// A job run's events (``JobRun/events(from:buffer:)``): iterating it runs the job.
public struct JobRunEvents: AsyncSequence, Sendable {
    /// Each step of each item, then how the run ended.
    public typealias Element = JobRunEvent

    let run: JobRun
    let from: Set<JobStatus>
    let buffer: Int

    /// An iterator whose first `next()` starts the run.
    public func makeAsyncIterator() -> Iterator {
        Iterator(reader: Reader(run: run, from: from, capacity: Swift.max(1, buffer)))
    }

    /// Reads a job run's events as they come.
    public struct Iterator: AsyncIteratorProtocol {
        let reader: Reader

        /// The next event; nil after `ended`. Throws what stopped the run, or
        /// `CancellationError` when the reading task is cancelled (once the run has stopped).
        public mutating func next() async throws -> JobRunEvent? {
            try await reader.next()
        }
    }

    /// One reading of a run: starts it, relays its events, and stops it when the reader goes.
    final class Reader: Sendable {
        let run: JobRun
        let from: Set<JobStatus>
        let channel: BoundedChannel<JobRunEvent>
        private struct State {
            var task: Task<Void, Never>?
            var failure: (any Error)?
            var ended = false
        }
        private let state = Mutex(State())

        init(run: JobRun, from: Set<JobStatus>, capacity: Int) {
            self.run = run
            self.from = from
            channel = BoundedChannel(capacity: capacity)
        }

        /// The reader went away (the iterator dropped) before the run ended: it stops, and its
        /// further events go nowhere instead of waiting for a reader that will never come.
        deinit {
            if state.withLock({ $0.task != nil && !$0.ended }) { stop() }
        }

        func next() async throws -> JobRunEvent? {
            if state.withLock({ $0.ended }) { return nil }
            startOnce()
            let event: JobRunEvent?
            do {
                event = try await withTaskCancellationHandler {
                    try await channel.receive()
                } onCancel: {
                    stop()
                }
            } catch is CancellationError {
                event = nil
            }
            if let event {
                if case .ended = event { state.withLock { $0.ended = true } }
                return event
            }
            // The channel ended: the run failed, or this reader was cancelled. Either way the
            // run's own task is awaited first, so the job is left as the run leaves it.
            let task = state.withLock { state in
                state.ended = true
                return state.task
            }
            await task?.value
            if let error = state.withLock({ $0.failure.take() }) { throw error }
            try Task.checkCancellation()
            return nil
        }

        private func startOnce() {
            state.withLock { state in
                guard state.task == nil else { return }
                // The task holds the channel and the run, not this reader: dropping the reader
                // is what stops a run nobody reads.
                state.task = Task { [run, from, channel, weak self] in
                    let relay = Relay(channel: channel)
                    do {
                        let end = try await run.run(observer: relay, from: from)
                        try? await channel.send(.ended(end))
                    } catch {
                        self?.state.withLock { $0.failure = error }
                    }
                    channel.finish()
                }
            }
        }

        private func stop() {
            run.requestShutdown(grace: .zero)
            _ = channel.drain()  // further sends fail at once: the run never waits for this reader again
        }
    }

    /// The graph's observer: each event into the channel, waiting while the reader is behind.
    struct Relay: GraphObserver {
        let channel: BoundedChannel<JobRunEvent>

        func graph(_ event: GraphEvent<MediaItem>) async {
            if Task.isCancelled {
                // A cancelled worker's last events (an item canceled, one finishing as the run
                // stops): sent from a task of their own, which the worker's cancellation cannot
                // cut short, so a full buffer delays them instead of losing them.
                await Task { [channel] in try? await channel.send(.item(event)) }.value
            } else {
                try? await channel.send(.item(event))  // fails only once the reader is gone
            }
        }
    }
}
