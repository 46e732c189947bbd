import Foundation

/// GNU tar (Debian's, always there) as a process: the archive format of `backup` and `restore`.
enum Tar {
    /// Runs tar with `arguments`; throws with tar's own message when it fails.
    static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TarError(message: String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

struct TarError: Error, CustomStringConvertible {
    let message: String
    var description: String { "tar: \(message)" }
}
