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
    /// stops the run (the store gone) is thrown instead. Events are buffered up to `buffer`,
    /// then the graph waits for the reader (a slow reader slows the run; nothing is dropped).
    /// To stop the run, call ``requestPause(immediate:)`` and read on until `ended`.
    /// Cancelling the reading task instead stops the run as ``requestShutdown(grace:)`` with no
    /// grace does: the job is left paused, resumable, and the rest of its events are dropped.
    ///
    /// - Parameters:
    ///   - from: The statuses the job may be taken from, as for ``run(observer:from:)``.
    ///   - buffer: How many events may wait for the reader.
    /// - Returns: One run's events; iterate it once.
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

    /// Starts the run; its events arrive through the iterator.
    public func makeAsyncIterator() -> Iterator {
        let relay = Relay(capacity: Swift.max(1, buffer))
        Task { [run, from] in
            do {
                let end = try await run.run(observer: relay, from: from)
                try? await relay.channel.send(.ended(end))
            } catch {
                relay.failure.withLock { $0 = error }
            }
            relay.channel.finish()
        }
        return Iterator(run: run, relay: relay)
    }

    /// Reads a job run's events as they come.
    public struct Iterator: AsyncIteratorProtocol {
        let run: JobRun
        let relay: Relay

        /// The next event; nil after `ended`. Throws what stopped the run, or
        /// `CancellationError` when the reading task is cancelled (the run then stops).
        public mutating func next() async throws -> JobRunEvent? {
            let (run, relay) = (run, relay)
            let event = try await withTaskCancellationHandler {
                try await relay.channel.receive()
            } onCancel: {
                run.requestShutdown(grace: .zero)
                _ = relay.channel.drain()  // the run's further events go nowhere, and never wait
            }
            if event == nil {
                if let error = relay.failure.withLock({ $0.take() }) { throw error }
                try Task.checkCancellation()  // the reader was cancelled (the channel then ends early)
            }
            return event
        }
    }

    /// The graph's observer: each event into the channel, waiting while the reader is behind.
    final class Relay: GraphObserver {
        let channel: BoundedChannel<JobRunEvent>
        let failure = Mutex<(any Error)?>(nil)

        init(capacity: Int) {
            channel = BoundedChannel(capacity: capacity)
        }

        func graph(_ event: GraphEvent<MediaItem>) async {
            try? await channel.send(.item(event))  // fails only once the reader is gone
        }
    }
}
