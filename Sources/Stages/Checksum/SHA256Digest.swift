/// A SHA-256 digest (32 bytes), printed as lowercase hex.
public struct SHA256Digest: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a SHA-256 digest is 32 bytes")
        self.bytes = bytes
    }

    public var hex: String { Self.hex(bytes) }

    /// Any bytes as lowercase hex (digests, HMACs).
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }
}

extension SHA256Digest {
    /// The digest of bytes in memory.
    public static func of(_ bytes: [UInt8]) throws(ChecksumError) -> SHA256Digest {
        let hasher = try SHA256Hasher()
        try hasher.update(bytes)
        return try hasher.finalize()
    }
}
