import Engine
import Testing
import TestSupport

@Suite struct BoundedChannelTests {
    @Test func senderSuspendsWhileFullAndResumesWhenAReceiverTakesOne() async throws {
        let channel = BoundedChannel<Int>(capacity: 2)
        try await channel.send(1)
        try await channel.send(2)
        let sent = Gate()
        let sender = Task {
            try await channel.send(3)
            sent.open()
        }
        // The third send cannot complete until there is room.
        for _ in 0..<100 { await Task.yield() }
        #expect(try await channel.receive() == 1)
        await sent.wait()
        try await sender.value
        channel.finish()
        #expect(try await channel.receive() == 2)
        #expect(try await channel.receive() == 3)
        #expect(try await channel.receive() == nil)
    }

    @Test func cancellingASuspendedSenderThrowsAndDropsItsElement() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(1)
        let sender = Task { try await channel.send(2) }
        for _ in 0..<100 { await Task.yield() }
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
