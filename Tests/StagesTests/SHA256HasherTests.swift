import Stages
import Testing

@Suite struct SHA256HasherTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, expected: String) throws {
        let hasher = try SHA256Hasher()
        try hasher.update(Array(input.utf8))
        #expect(try hasher.finalize().hex == expected)
    }

    @Test func feedingInPiecesEqualsFeedingAtOnce() throws {
        let data = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = try SHA256Hasher()
        try whole.update(data)
        let pieces = try SHA256Hasher()
        var offset = 0
        for size in [1, 63, 64, 65, 4096, 1, 30_000] + Array(repeating: 9_000, count: 10) where offset < data.count {
            let end = min(offset + size, data.count)
            try data[offset..<end].withUnsafeBytes { try pieces.update($0) }
            offset = end
        }
        try data[offset...].withUnsafeBytes { try pieces.update($0) }
        #expect(try pieces.finalize() == whole.finalize())
    }

    @Test func finalizeResetsTheHasherForReuse() throws {
        let hasher = try SHA256Hasher()
        try hasher.update(Array("first".utf8))
        _ = try hasher.finalize()
        try hasher.update(Array("abc".utf8))
        #expect(try hasher.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
