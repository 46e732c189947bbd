@testable import Console
import Engine
import Foundation
import Testing
import TestSupport

/// The event stream's one store reader, tick by tick: new job events (with their ids) to the
/// clients that want them, job changes coalesced per job, what a reconnecting client missed
/// replayed from `Last-Event-ID`, and every stream ended at shutdown.
@Suite struct EventBroadcasterTests {
    /// The messages waiting in `buffer`, without waiting for more.
    func drain(_ buffer: SubscriberBuffer) async -> [String] {
        buffer.push("end", key: "end-marker")
        var messages: [String] = []
        while let message = await buffer.next(), message != "end" { messages.append(message) }
        return messages
    }

    @Test func eventsGoToTheClientsThatWantThemAndAMissedOneIsReplayed() async throws {
        let console = try ConsoleFixture()
        let store = console.store
        let first = try await console.job(["A"])
        let broadcaster = EventBroadcaster(store: store)
        let everything = try await broadcaster.subscribe(jobID: nil, lastEventID: nil)
        let other = try await broadcaster.subscribe(jobID: first.id + 1, lastEventID: nil)
        #expect(await drain(everything).isEmpty, "a new client gets no history without Last-Event-ID")

        try await store.appendEvent(jobID: first.id, kind: "note", message: "hello <b>")
        try await broadcaster.tick()
        let messages = await drain(everything)
        let event = try #require(messages.first { $0.contains("event: job-event") })
        let id = try #require(try await store.lastEventID())
        #expect(event.hasPrefix("id: \(id)\n") && event.contains("\"message\":\"hello <b>\"") && event.hasSuffix("\n\n"), "\(event)")
        #expect(messages.contains { $0.hasPrefix("event: job\ndata: {\"id\":\(first.id),") }, "the job's state: \(messages)")
        #expect(await drain(other).isEmpty, "a client of another job hears nothing of this one")

        try await broadcaster.tick()
        #expect(await drain(everything).isEmpty, "nothing changed: nothing sent")

        // A client that reconnects with the id before the last event gets it again, once.
        let back = try await broadcaster.subscribe(jobID: first.id, lastEventID: id - 1)
        try await broadcaster.tick()
        let replayed = await drain(back).filter { $0.contains("job-event") }
        #expect(replayed.count == 1 && replayed[0].hasPrefix("id: \(id)\n"), "\(replayed)")

        broadcaster.unsubscribe(other)
        #expect(broadcaster.subscriberCount == 2)
    }

    @Test func aSlowClientCostsABoundedBuffer() async throws {
        let console = try ConsoleFixture()
        let job = try await console.job(["A"])
        let broadcaster = EventBroadcaster(store: console.store)
        let slow = try await broadcaster.subscribe(jobID: nil, lastEventID: nil)
        for n in 0..<600 {
            try await console.store.appendEvent(jobID: job.id, kind: "note", message: "event \(n)")
            if n % 100 == 99 { try await broadcaster.tick() }
        }
        let messages = await drain(slow)
        #expect(messages.count <= 256, "\(messages.count) waiting")
        #expect(messages.contains("event: overflow\ndata: {}\n\n"), "the page is told to reload what it shows")
    }

    @Test func shutdownEndsEveryStream() async throws {
        let console = try ConsoleFixture()
        let broadcaster = EventBroadcaster(store: console.store, interval: .milliseconds(20))
        let client = try await broadcaster.subscribe(jobID: nil, lastEventID: nil)
        let reader = Task { await client.next() }
        let run = Task { try await broadcaster.run() }
        run.cancel()
        try await run.value
        #expect(await reader.value == nil, "the stream ended")
        let late = try await broadcaster.subscribe(jobID: nil, lastEventID: nil)
        #expect(await late.next() == nil, "a client after the end gets an ended stream")
    }
}
