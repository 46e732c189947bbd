import Foundation

/// iTunes free-form tags (`----` atoms: `mean` com.apple.iTunes, `name`, `data` UTF-8) added to
/// an MP4/M4A that libav wrote, where players read ReplayGain in M4A: FFmpeg 5.1's MP4 muxer
/// writes tags it does not know only as QuickTime `mdta` keys, and that mode would replace
/// every iTunes tag. The atoms go at the end of `moov/udta/meta/ilst`; only a file whose `moov`
/// is its last top-level box (no faststart) is changed, so no chunk offset moves.
enum MP4FreeformTags {
    /// Adds the tags; false (the file untouched) when its layout is not one this can extend.
    static func add(_ tags: [(key: String, value: String)], to path: String) throws -> Bool {
        guard !tags.isEmpty, let handle = FileHandle(forUpdatingAtPath: path) else { return false }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        // The top-level boxes: moov must be the last.
        var offset: UInt64 = 0
        var moov: (offset: UInt64, size: UInt64)?
        while offset + 8 <= size {
            try handle.seek(toOffset: offset)
            guard let header = try handle.read(upToCount: 16), header.count >= 8 else { return false }
            var boxSize = UInt64(Self.uint32(header, 0))
            if boxSize == 1, header.count == 16 { boxSize = Self.uint64(header, 8) }
            if boxSize == 0 { boxSize = size - offset }
            guard boxSize >= 8, offset + boxSize <= size else { return false }
            moov = Self.type(header) == "moov" ? (offset, boxSize) : nil
            offset += boxSize
        }
        guard let moov, moov.size < 64 << 20 else { return false }
        try handle.seek(toOffset: moov.offset)
        guard var box = try handle.read(upToCount: Int(moov.size)), box.count == Int(moov.size), Self.uint32(box, 0) == UInt32(moov.size) else {
            return false
        }
        // moov > udta > meta (a full box: 4 bytes of version and flags) > ilst.
        guard let udta = Self.child("udta", in: box, from: 8, to: box.count),
            let meta = Self.child("meta", in: box, from: udta + 8, to: udta + Int(Self.uint32(box, udta))),
            let ilst = Self.child("ilst", in: box, from: meta + 12, to: meta + Int(Self.uint32(box, meta)))
        else { return false }
        var atoms = Data()
        for tag in tags { atoms += Self.freeform(tag.key, tag.value) }
        let insertAt = ilst + Int(Self.uint32(box, ilst))
        box.insert(contentsOf: atoms, at: insertAt)
        for parent in [0, udta, meta, ilst] { Self.setUInt32(&box, parent, Self.uint32(box, parent) + UInt32(atoms.count)) }
        try handle.seek(toOffset: moov.offset)
        try handle.write(contentsOf: box)
        try handle.truncate(atOffset: moov.offset + UInt64(box.count))
        return true
    }

    static func freeform(_ name: String, _ value: String) -> Data {
        func box(_ type: String, _ body: Data) -> Data {
            var out = Data()
            withUnsafeBytes(of: UInt32(8 + body.count).bigEndian) { out.append(contentsOf: $0) }
            out += Data(type.utf8) + body
            return out
        }
        let full = Data([0, 0, 0, 0])
        return box(
            "----",
            box("mean", full + Data("com.apple.iTunes".utf8)) + box("name", full + Data(name.utf8))
                + box("data", Data([0, 0, 0, 1, 0, 0, 0, 0]) + Data(value.utf8)))
    }

    /// The offset of the first child box of `type` between `from` and `to` (nil: none).
    static func child(_ type: String, in box: Data, from: Int, to: Int) -> Int? {
        var offset = from
        while offset + 8 <= min(to, box.count) {
            let size = Int(uint32(box, offset))
            guard size >= 8, offset + size <= to else { return nil }
            if String(decoding: box[box.startIndex + offset + 4..<box.startIndex + offset + 8], as: UTF8.self) == type { return offset }
            offset += size
        }
        return nil
    }

    static func type(_ header: Data) -> String { String(decoding: header[header.startIndex + 4..<header.startIndex + 8], as: UTF8.self) }

    static func uint32(_ data: Data, _ at: Int) -> UInt32 {
        data[data.startIndex + at..<data.startIndex + at + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func uint64(_ data: Data, _ at: Int) -> UInt64 {
        data[data.startIndex + at..<data.startIndex + at + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func setUInt32(_ data: inout Data, _ at: Int, _ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { data.replaceSubrange(data.startIndex + at..<data.startIndex + at + 4, with: $0) }
    }
}
