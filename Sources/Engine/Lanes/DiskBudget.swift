import Foundation
import Synchronization

/// The disk lane's free-space reserve, shared by every download that writes to one volume:
/// a download is admitted only while the free space, less the reserve and less what the
/// downloads already running have taken for their announced sizes, still holds it. Without
/// the shared account, eight downloads of 1 GB would each see the same 3 GB free and all fail
/// at two thirds.
package final class DiskBudget: Sendable {
    public let reserve: Int64
    private let freeSpace: @Sendable (String) throws -> Int64
    private let taken = Mutex<Int64>(0)

    /// `freeSpace`: bytes free for this user on the volume of a directory (`statvfs` unless a
    /// test gives its own).
    public init(reserve: Int64, freeSpace: (@Sendable (String) throws -> Int64)? = nil) {
        self.reserve = reserve
        self.freeSpace = freeSpace ?? DiskBudget.statvfsFree
    }

    /// Bytes a new download into `directory` may still use.
    public func available(in directory: String) throws -> Int64 {
        let free = try freeSpace(directory)
        return free - reserve - taken.withLock { $0 }
    }

    /// Takes `bytes` for a download into `directory`; false (and nothing taken) when they do not fit.
    public func take(_ bytes: Int64, in directory: String) throws -> Bool {
        let free = try freeSpace(directory)
        return taken.withLock { taken in
            guard free - reserve - taken >= bytes else { return false }
            taken += bytes
            return true
        }
    }

    /// Gives back what a finished (or failed) download took: its bytes are on the disk now, or gone.
    public func give(_ bytes: Int64) {
        taken.withLock { $0 = max(0, $0 - bytes) }
    }

    public static let statvfsFree: @Sendable (String) throws -> Int64 = { directory in
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: directory, NSLocalizedDescriptionKey: String(errno: errno)])
        }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
