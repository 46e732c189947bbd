import Engine
import Synchronization
import Testing

/// The shared cap on a manual clock: the waits it asks for add up to what the bytes take at
/// its rate.
@Suite struct BandwidthLimitTests {
    /// A clock that moves only when the caller waits.
    final class ManualClock: Sendable {
        let elapsed = Mutex<Duration>(.zero)
        func advance(_ duration: Duration) { elapsed.withLock { $0 += duration } }
        var now: Duration { elapsed.withLock { $0 } }
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test func waitsAddUpToTheBytesAtTheRate() {
        let clock = ManualClock()
        let rate: Int64 = 1 << 20
        let limit = BandwidthLimit(bytesPerSecond: rate, now: { clock.now })
        let chunk: Int64 = 16_384, total: Int64 = 4_000_000
        var taken: Int64 = 0
        while taken < total {
            // The transfer waits what the bucket says before its next chunk.
            let size = min(chunk, total - taken)
            clock.advance(limit.take(size))
            taken += size
        }
        let expected = Double(total) / Double(rate)  // the cap's definition: the bucket starts empty
        #expect(abs(seconds(clock.now) - expected) < Double(chunk) / Double(rate), "\(clock.now) for \(expected) s")
        #expect(limit.charged == total)
    }

    @Test func anIdleBucketLetsAtMostItsBurstThroughAtOnce() {
        let clock = ManualClock()
        let limit = BandwidthLimit(bytesPerSecond: 1 << 20, now: { clock.now })
        clock.advance(.seconds(60))  // a minute idle: tokens capped at half a second's worth
        #expect(limit.take(1 << 19) == .zero)
        #expect(limit.take(1 << 19) > .milliseconds(400))
    }
}
