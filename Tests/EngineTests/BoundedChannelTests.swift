import Engine
import Synchronization
import Testing
import TestSupport

@Suite struct BoundedChannelTests {
    @Test func senderSuspendsWhileFullAndResumesWhenAReceiverTakesOne() async throws {
        let channel = BoundedChannel<Int>(capacity: 2)
        try await channel.send(1)
        try await channel.send(2)
        let sent = Atomic<Bool>(false)
        let sender = Task {
            try await channel.send(3)
            sent.store(true, ordering: .sequentiallyConsistent)
        }
        // The third send waits for room: it is suspended in the channel and has not returned.
        try await waitUntil("the third sender is suspended") { channel.waitingSenders == 1 }
        let completedEarly = sent.load(ordering: .sequentiallyConsistent)
        #expect(!completedEarly, "a send into a full channel must not complete")
        #expect(try await channel.receive() == 1)
        try await sender.value
        let completed = sent.load(ordering: .sequentiallyConsistent)
        #expect(completed)
        #expect(channel.waitingSenders == 0)
        channel.finish()
        #expect(try await channel.receive() == 2)
        #expect(try await channel.receive() == 3)
        #expect(try await channel.receive() == nil)
    }

    @Test func cancellingASuspendedSenderThrowsAndDropsItsElement() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(1)
        let sender = Task { try await channel.send(2) }
        try await waitUntil("the second sender is suspended") { channel.waitingSenders == 1 }
        sender.cancel()
        await #expect(throws: CancellationError.self) { try await sender.value }
        channel.finish()
        #expect(try await channel.receive() == 1)
        #expect(try await channel.receive() == nil)
    }

    @Test func cancellingAWaitingReceiverThrows() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        let receiver = Task { try await channel.receive() }
        for _ in 0..<100 { await Task.yield() }
        receiver.cancel()
        await #expect(throws: CancellationError.self) { try await receiver.value }
    }

    @Test func manyProducersAndConsumersDeliverEveryElementOnce() async throws {
        let channel = BoundedChannel<Int>(capacity: 3)
        let received = try await withThrowingTaskGroup(of: [Int].self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for value in 0..<500 { try await channel.send(producer * 1000 + value) }
                    return []
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    var mine: [Int] = []
                    while let value = try await channel.receive() { mine.append(value) }
                    return mine
                }
            }
            var all: [Int] = []
            var producersLeft = 4
            while let result = try await group.next() {
                if result.isEmpty {
                    producersLeft -= 1
                    if producersLeft == 0 { channel.finish() }
                } else {
                    all += result
                }
            }
            return all
        }
        #expect(received.count == 2000)
        #expect(Set(received).count == 2000)
    }
}
