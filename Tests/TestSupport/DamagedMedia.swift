public import Foundation

/// Damaged media made at test time from the fixtures, byte by byte and deterministically.
public enum DamagedMedia {
    /// Bytes from a fixed linear congruential sequence (the same on every run).
    public static func noise(count: Int, seed: UInt64 = 7) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// `source` with `count` bytes of noise written over its middle.
    public static func corruptMiddle(of source: String, count: Int, to destination: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let start = bytes.count / 2
        bytes.replaceSubrange(start..<start + count, with: noise(count: count))
        try Data(bytes).write(to: URL(fileURLWithPath: destination))
    }

    /// A WAV file that declares MP3 audio (format tag 0x55) but holds bytes that are never an
    /// MP3 frame (no 0xFF sync byte): probes as a 12.5 s stereo MP3 stream, decodes to nothing.
    public static func undecodableWAV(to destination: String) throws {
        let data = (0..<200_000).map { UInt8(($0 * 37 + 11) % 255) }
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        let format = le16(0x55) + le16(2) + le32(44_100) + le32(16_000) + le16(1) + le16(0) + le16(0)
        let body = Array("WAVE".utf8) + Array("fmt ".utf8) + le32(format.count) + format + Array("data".utf8) + le32(data.count) + data
        try Data(Array("RIFF".utf8) + le32(body.count) + body).write(to: URL(fileURLWithPath: destination))
    }

    /// An MP3 whose ID3v2.3 tag holds `frames` (frame id → raw text bytes) marked as Latin-1
    /// (text encoding 0), as old taggers wrote GBK, Big5 or Shift-JIS; the audio is the
    /// fixture's, without its own tag.
    public static func mp3WithLatin1Frames(_ frames: [(String, [UInt8])], audioFrom source: String, to destination: String) throws {
        var audio = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        if audio.starts(with: Array("ID3".utf8)) {
            let size = audio[6..<10].reduce(0) { ($0 << 7) | Int($1 & 0x7F) }
            audio.removeFirst(10 + size)
        }
        var body: [UInt8] = []
        for (id, text) in frames {
            let data = [0] + text
            body += Array(id.utf8) + (0..<4).reversed().map { UInt8((data.count >> (8 * $0)) & 0xFF) } + [0, 0] + data
        }
        let size = (0..<4).reversed().map { UInt8((body.count >> (7 * $0)) & 0x7F) }
        try Data(Array("ID3".utf8) + [3, 0, 0] + size + body + audio).write(to: URL(fileURLWithPath: destination))
    }
}
