import Foundation

/// Writing to standard output and standard error, one complete line at a time.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// One line on stderr: `engine: <command>: <message>`.
    static func error(_ command: String, _ message: String) {
        FileHandle.standardError.write(Data("engine: \(command): \(message)\n".utf8))
    }

    /// A notice on stderr (`engine: <message>`): what the user should know, not the result.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("engine: \(message)\n".utf8))
    }
}
