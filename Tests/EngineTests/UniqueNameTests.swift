import Engine
import Foundation
import Testing

@Suite struct UniqueNameTests {
    /// Temp names never repeat and are recognized as the engine's (a crashed run's leftovers
    /// are swept by them); other names are not.
    @Test func namesAreDistinctAndRecognized() {
        let names = (0..<1_000).map { _ in UniqueName.next() + ".mp3" }
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy(DataDirectory.isEngineTemporaryFile))
        #expect(DataDirectory.isEngineTemporaryFile(UUID().uuidString + ".wav"))
        for other in ["notes.txt", "0123abcd-ef01.mp3", "0123abcd-ef01-x.mp3", "0123ABCG-ef01-1", "song-2024-01-01.mp3"] {
            #expect(!DataDirectory.isEngineTemporaryFile(other), "\(other)")
        }
    }
}
