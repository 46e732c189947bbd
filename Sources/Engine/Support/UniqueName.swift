import Foundation
import Synchronization

/// Names for temporary files, unique across processes: a random prefix drawn once per process
/// and a counter. A UUID per name would read the system's random source each time (a
/// syscall or three per item on Linux).
package enum UniqueName {
    private static let prefix = UUID().uuidString.prefix(13).lowercased()
    private static let counter = Atomic<Int>(0)

    /// `xxxxxxxx-xxxx-<n>` (`x` random hex digits drawn once per process): never the same twice
    /// in this process, nor (but by a 1 in 2^48 chance) in another.
    public static func next() -> String {
        "\(prefix)-\(counter.add(1, ordering: .relaxed).newValue)"
    }

    /// Whether `name` starts with a name `next()` gives, in any process.
    public static func begins(_ name: String) -> Bool {
        let bytes = Array(name.utf8.prefix(15))
        guard bytes.count == 15 else { return false }
        let dash = UInt8(ascii: "-")
        for (index, byte) in bytes.prefix(13).enumerated() {
            let ok = index == 8 ? byte == dash : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            guard ok else { return false }
        }
        return bytes[13] == dash && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[14])
    }
}
