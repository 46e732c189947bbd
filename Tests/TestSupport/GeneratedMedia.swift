public import Foundation

/// Large media made at test time: a WAV of noise of a given size (16-bit stereo 44.1 kHz),
/// which probes as audio and stores like any other file.
public enum GeneratedMedia {
    public static func wav(dataBytes: Int, to path: String) throws {
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        let format = le16(1) + le16(2) + le32(44_100) + le32(44_100 * 4) + le16(4) + le16(16)
        let header = Array("RIFF".utf8) + le32(36 + dataBytes) + Array("WAVE".utf8) + Array("fmt ".utf8) + le32(16) + format
            + Array("data".utf8) + le32(dataBytes)
        FileManager.default.createFile(atPath: path, contents: Data(header))
        try appendRandomBytes(dataBytes, to: path)
    }

    /// `count` random bytes (from /dev/urandom) at the end of the file at `path`, made if missing.
    public static func appendRandomBytes(_ count: Int, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? out.close() }
        try out.seekToEnd()
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        var left = count
        while left > 0 {
            let chunk = random.readData(ofLength: min(left, 4 << 20))
            try out.write(contentsOf: chunk)
            left -= chunk.count
        }
    }
}
