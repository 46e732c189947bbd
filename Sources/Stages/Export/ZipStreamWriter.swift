package import Foundation

/// The records of a ZIP archive written front to back, never seeking back: each entry is a local
/// header, its bytes stored as they are (media is compressed already) and a data descriptor with
/// the CRC-32 and size computed while the bytes went out (general purpose flag bit 3); the
/// central directory follows the last entry. ZIP64 records where a size, an offset or the
/// number of entries passes the classic limits. Names are UTF-8 (flag bit 11).
///
/// Written by hand rather than with ZIPFoundation: that library needs a seekable file (it goes
/// back to every local header and rewrites the whole central directory after each entry), so
/// it cannot stream an archive into an HTTP response, and store-only streaming is these few
/// records (APPNOTE 6.3.10, sections 4.3 and 4.5.3). Python's `zipfile` reads back what it
/// writes in the tests (every entry's bytes and CRC, a 5 GiB entry as ZIP64).
package struct ZipStreamWriter: Sendable {
    /// Bytes written so far: where the next record starts.
    public private(set) var offset: UInt64 = 0
    private var centralDirectory: [UInt8] = []
    private var entries: UInt64 = 0
    private var open: OpenEntry?

    private struct OpenEntry {
        var name: [UInt8]
        var headerOffset: UInt64
        var zip64: Bool
        var time: UInt16
        var date: UInt16
        var dataStart: UInt64
    }

    private static let limit32: UInt64 = 0xFFFF_FFFF
    private static let flags: UInt16 = 1 << 3 | 1 << 11

    public init() {}

    /// The local header of an entry of `size` bytes named `name` (a relative path with `/`).
    public mutating func begin(name: String, size: UInt64, modified: Date) -> [UInt8] {
        precondition(open == nil, "a ZIP entry is still open")
        let nameBytes = Array(name.utf8)
        let zip64 = size >= Self.limit32
        let (time, date) = Self.dosTime(modified)
        var header = Record()
        header.u32(0x0403_4b50)
        header.u16(zip64 ? 45 : 20)
        header.u16(Self.flags)
        header.u16(0)  // stored
        header.u16(time)
        header.u16(date)
        header.u32(0)  // CRC-32, sizes: in the data descriptor (flag bit 3)
        header.u32(zip64 ? UInt32.max : 0)
        header.u32(zip64 ? UInt32.max : 0)
        header.u16(UInt16(nameBytes.count))
        header.u16(zip64 ? 20 : 0)
        header.bytes += nameBytes
        if zip64 {
            header.u16(0x0001)
            header.u16(16)
            header.u64(0)
            header.u64(0)
        }
        open = OpenEntry(name: nameBytes, headerOffset: offset, zip64: zip64, time: time, date: date, dataStart: offset + UInt64(header.bytes.count))
        offset += UInt64(header.bytes.count)
        return header.bytes
    }

    /// The data descriptor closing the open entry, after its `size` bytes went out with `crc`.
    public mutating func end(crc: UInt32, size: UInt64) -> [UInt8] {
        guard let entry = open else { preconditionFailure("no ZIP entry is open") }
        precondition(offset == entry.dataStart, "another record was written inside a ZIP entry")
        open = nil
        offset += size
        var descriptor = Record()
        descriptor.u32(0x0807_4b50)
        descriptor.u32(crc)
        if entry.zip64 {
            descriptor.u64(size)
            descriptor.u64(size)
        } else {
            descriptor.u32(UInt32(size))
            descriptor.u32(UInt32(size))
        }
        offset += UInt64(descriptor.bytes.count)
        appendCentralRecord(entry, crc: crc, size: size)
        return descriptor.bytes
    }

    /// The central directory and its end records: the archive's last bytes.
    public mutating func finish() -> [UInt8] {
        precondition(open == nil, "a ZIP entry is still open")
        let start = offset, size = UInt64(centralDirectory.count)
        var tail = Record()
        tail.bytes = centralDirectory
        let zip64 = entries >= 0xFFFF || start >= Self.limit32 || size >= Self.limit32
        if zip64 {
            let recordOffset = start + size
            tail.u32(0x0606_4b50)
            tail.u64(44)
            tail.u16(45 | 3 << 8)
            tail.u16(45)
            tail.u32(0)
            tail.u32(0)
            tail.u64(entries)
            tail.u64(entries)
            tail.u64(size)
            tail.u64(start)
            tail.u32(0x0706_4b50)
            tail.u32(0)
            tail.u64(recordOffset)
            tail.u32(1)
        }
        tail.u32(0x0605_4b50)
        tail.u16(0)
        tail.u16(0)
        tail.u16(zip64 ? 0xFFFF : UInt16(entries))
        tail.u16(zip64 ? 0xFFFF : UInt16(entries))
        tail.u32(zip64 ? UInt32.max : UInt32(size))
        tail.u32(zip64 ? UInt32.max : UInt32(start))
        tail.u16(0)
        centralDirectory = []
        offset += UInt64(tail.bytes.count)
        return tail.bytes
    }

    private mutating func appendCentralRecord(_ entry: OpenEntry, crc: UInt32, size: UInt64) {
        let bigSize = size >= Self.limit32, bigOffset = entry.headerOffset >= Self.limit32
        var extra = Record()
        if bigSize || bigOffset {
            extra.u16(0x0001)
            extra.u16(UInt16((bigSize ? 16 : 0) + (bigOffset ? 8 : 0)))
            if bigSize {
                extra.u64(size)
                extra.u64(size)
            }
            if bigOffset { extra.u64(entry.headerOffset) }
        }
        var record = Record()
        record.u32(0x0201_4b50)
        record.u16(45 | 3 << 8)  // made by: Unix, APPNOTE 4.5
        record.u16(entry.zip64 || bigOffset ? 45 : 20)
        record.u16(Self.flags)
        record.u16(0)
        record.u16(entry.time)
        record.u16(entry.date)
        record.u32(crc)
        record.u32(bigSize ? UInt32.max : UInt32(size))
        record.u32(bigSize ? UInt32.max : UInt32(size))
        record.u16(UInt16(entry.name.count))
        record.u16(UInt16(extra.bytes.count))
        record.u16(0)  // comment
        record.u16(0)  // disk
        record.u16(0)  // internal attributes
        record.u32(UInt32(0o100644) << 16)  // a regular file, rw-r--r--
        record.u32(bigOffset ? UInt32.max : UInt32(entry.headerOffset))
        record.bytes += entry.name
        record.bytes += extra.bytes
        centralDirectory += record.bytes
        entries += 1
    }

    /// MS-DOS time and date in local time, as `zip` writes them (1980 at the earliest).
    static func dosTime(_ date: Date) -> (time: UInt16, date: UInt16) {
        var seconds = time_t(max(date.timeIntervalSince1970, 315_532_800))
        var parts = tm()
        localtime_r(&seconds, &parts)
        let year = max(Int(parts.tm_year) + 1900, 1980)
        let time = UInt16(parts.tm_hour) << 11 | UInt16(parts.tm_min) << 5 | UInt16(parts.tm_sec / 2)
        let day = UInt16(year - 1980) << 9 | UInt16(parts.tm_mon + 1) << 5 | UInt16(parts.tm_mday)
        return (time, day)
    }

    /// Little-endian fields.
    private struct Record {
        var bytes: [UInt8] = []
        mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    }
}
