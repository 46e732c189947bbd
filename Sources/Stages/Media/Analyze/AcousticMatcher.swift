internal import CMediaKernels
package import Engine

/// Which fingerprints are the same recording (in different encodings, or cut differently): the
/// share of equal bits between two fingerprints' 32-bit values at their best alignment (within
/// ±15 s), about 0.5 for unrelated audio and near 1 for the same recording. Pairs are scored only
/// when they share some exact values (an index, so that a large library is not compared pair by
/// pair), and grouped transitively.
package enum AcousticMatcher {
    /// The default similarity from which two fingerprints are one recording.
    public static let threshold = 0.8
    /// Fingerprint values per second (Chromaprint's frames of 4,096 samples at 11,025 Hz, a third apart).
    static let valuesPerSecond = 11025.0 / (4096.0 / 3)

    public struct Group: Sendable, Equatable {
        /// The members (the ids given), in the order given.
        public var members: [Int64]
        /// The lowest score among the pairs that joined the group.
        public var similarity: Double
    }

    /// fpcalc's compressed base64 form decoded (nil: not a fingerprint).
    public static func decode(_ encoded: String) -> [UInt32]? {
        var values: UnsafeMutablePointer<UInt32>?
        let count = mk_fingerprint_decode(encoded, &values)
        defer { mk_fingerprint_free(values) }
        guard count >= 0, let values else { return nil }
        return Array(UnsafeBufferPointer(start: values, count: Int(count)))
    }

    /// The values of a stored fingerprint result (nil: it holds none).
    public static func values(_ record: ProcessorRecord) -> [UInt32]? {
        guard case .string(let encoded) = record.result?["fingerprint"] else { return nil }
        return decode(encoded)
    }

    /// The best share of equal bits over the alignments within ±15 s that overlap at least half
    /// the shorter fingerprint.
    public static func similarity(_ a: [UInt32], _ b: [UInt32]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var offset: Int32 = 0
        let overlap = max(1, min(a.count, b.count) / 2)
        return mk_fingerprint_similarity(a, Int32(a.count), b, Int32(b.count), Int32(15 * valuesPerSecond), Int32(overlap), &offset)
    }

    /// Groups of two or more fingerprints that are one recording, in the order of their first member.
    public static func groups(_ prints: [(id: Int64, values: [UInt32])], threshold: Double = threshold) -> [Group] {
        // Candidates: pairs that share at least two exact values (values most prints have, such
        // as silence's, say nothing).
        var holders: [UInt32: [Int]] = [:]
        for (index, print) in prints.enumerated() {
            for value in Set(print.values) { holders[value, default: []].append(index) }
        }
        var shared: [Int: Int] = [:]  // pair (a * count + b) -> values shared
        for list in holders.values where list.count > 1 && list.count <= 64 {
            for i in 0..<list.count { for j in (i + 1)..<list.count { shared[list[i] * prints.count + list[j], default: 0] += 1 } }
        }
        var parent = Array(prints.indices)
        func root(_ x: Int) -> Int { parent[x] == x ? x : root(parent[x]) }
        var weakest: [Int: Double] = [:]
        for (pair, count) in shared where count >= 2 {
            let (a, b) = (pair / prints.count, pair % prints.count)
            let score = similarity(prints[a].values, prints[b].values)
            guard score >= threshold else { continue }
            let (ra, rb) = (root(a), root(b))
            let low = min(score, weakest[ra] ?? 1, weakest[rb] ?? 1)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
            weakest[min(ra, rb)] = low
        }
        var members: [Int: [Int]] = [:]
        for index in prints.indices { members[root(index), default: []].append(index) }
        return members.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { root, list in
            Group(members: list.map { prints[$0].id }, similarity: weakest[root] ?? 1)
        }
    }
}
