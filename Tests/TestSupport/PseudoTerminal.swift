public import Foundation
import Synchronization

/// A raw pseudo-terminal pair: bytes written to the subordinate side are read unchanged from
/// `master`; once the subordinate side is closed and the bytes are drained, reading `master`
/// fails with EIO, a real kernel I/O error at a chosen byte (no FUSE, no failing disk).
public final class PseudoTerminal: Sendable {
    public let master: Int32
    private let subordinate: Mutex<Int32>

    public init() throws {
        // posix_openpt, unlockpt and ptsname, which Glibc's module does not export: the
        // multiplexer, then unlock the new terminal and ask its number.
        // <asm-generic/ioctls.h>: _IOR('T', 0x30, unsigned int) and _IOW('T', 0x31, int).
        let TIOCGPTN: UInt = 0x8004_5430, TIOCSPTLCK: UInt = 0x4004_5431
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0, number: UInt32 = 0
        guard master >= 0, ioctl(master, TIOCSPTLCK, &unlock) == 0, ioctl(master, TIOCGPTN, &number) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let subordinate = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard subordinate >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var mode = termios()
        tcgetattr(subordinate, &mode)
        cfmakeraw(&mode)
        tcsetattr(subordinate, TCSANOW, &mode)
        self.master = master
        self.subordinate = Mutex(subordinate)
    }

    /// Writes `data` to the subordinate side (blocking while the master's buffer is full), then
    /// closes it. Call on a thread of its own.
    public func writeAndHangUp(_ data: Data) {
        let fd = subordinate.withLock { $0 }
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        subordinate.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    /// The subordinate side's descriptor (a child's stderr), or -1 once closed.
    public var subordinateDescriptor: Int32 { subordinate.withLock { $0 } }

    /// Sets the terminal's size, as a terminal window does (`TIOCSWINSZ`).
    public func setSize(columns: Int, rows: Int) {
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = subordinate.withLock { ioctl($0, UInt(TIOCSWINSZ), &size) }
    }

    /// Closes this process's copy of the subordinate side: reading `master` then ends (EIO)
    /// once every child that holds it has exited and the bytes are drained.
    public func closeSubordinate() {
        subordinate.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    /// Everything written to the subordinate side until the last holder closes it. Blocks: call
    /// it off the cooperative pool.
    public func readAll() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(master, &buffer, buffer.count)
            if n > 0 { data.append(contentsOf: buffer[..<n]) } else if n < 0, errno == EINTR { continue } else { break }
        }
        return data
    }

    public func close() {
        subordinate.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
        Glibc.close(master)
    }
}
