import Foundation

/// The demuxer a file's extension names, when its first bytes agree. Opening with a named
/// demuxer skips libav's guessing (every demuxer's probe over ever larger reads, an ID3 tag
/// with cover art skipped first), which is most of a small file's probe. A file whose bytes
/// do not carry the named container's signature (a misnamed file, junk before the first
/// frame) gets no hint and is guessed as before, so a wrong extension never changes what the
/// probe says.
enum DemuxerHint {
    /// Extension → libav demuxer name.
    static let demuxers: [String: String] = [
        "mp3": "mp3",
        "m4a": "mov", "m4b": "mov", "mp4": "mov", "m4v": "mov", "mov": "mov", "3gp": "mov",
        "flac": "flac",
        "ogg": "ogg", "oga": "ogg", "ogv": "ogg", "opus": "ogg", "spx": "ogg",
        "mkv": "matroska", "mka": "matroska", "webm": "matroska",
        "wav": "wav",
        "aif": "aiff", "aiff": "aiff", "aifc": "aiff",
    ]

    /// The demuxer for `path`, or nil to let libav guess. For an MP3 that starts with an ID3v2
    /// tag, the bytes after the tag must be an MPEG audio frame.
    static func demuxer(forPath path: String) -> String? {
        let ext = (path as NSString).pathExtension.lowercased()
        guard let name = demuxers[ext] else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard var head = read(fd, at: 0, count: 16) else { return nil }
        if name == "mp3", head.count >= 10, head.starts(with: Array("ID3".utf8)) {
            // The tag's size: four 7-bit bytes, plus the header and a footer when flagged.
            let size = head[6..<10].reduce(0) { $0 << 7 | Int($1 & 0x7F) } + 10 + (head[5] & 0x10 != 0 ? 10 : 0)
            guard let frame = read(fd, at: size, count: 4) else { return nil }
            head = frame
        }
        return matches(name, head) ? name : nil
    }

    /// Whether `head` (a file's first bytes) starts the way `demuxer`'s files do.
    static func matches(_ demuxer: String, _ head: [UInt8]) -> Bool {
        func at(_ offset: Int, _ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        switch demuxer {
        case "mp3":
            // An MPEG audio frame header: the sync (11 bits), a version and a layer that exist, a valid
            // bitrate and sample rate index.
            return head.count >= 3 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && (head[1] >> 3) & 0x03 != 0x01 && head[1] & 0x06 != 0
                && head[2] >> 4 != 0x0F && (head[2] >> 2) & 0x03 != 0x03
        case "mov": return ["ftyp", "moov", "mdat", "free", "wide", "skip", "pnot"].contains { at(4, $0) }
        case "flac": return at(0, "fLaC")
        case "ogg": return at(0, "OggS")
        case "matroska": return head.count >= 4 && head[0..<4] == [0x1A, 0x45, 0xDF, 0xA3]
        case "wav": return (at(0, "RIFF") || at(0, "RF64")) && at(8, "WAVE")
        case "aiff": return at(0, "FORM") && (at(8, "AIFF") || at(8, "AIFC"))
        default: return false
        }
    }

    private static func read(_ fd: Int32, at offset: Int, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return got > 0 ? Array(buffer.prefix(got)) : nil
    }
}
