import Engine
import Foundation

/// Writing to standard output and standard error, one complete line at a time, every URL in
/// it redacted (`Redaction`): no password or token reaches the terminal or a log file.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((Redaction.scrub(text) + "\n").utf8))
    }

    /// One line on stderr: `engine: <command>: <message>`.
    static func error(_ command: String, _ message: String) {
        Terminal.writeLine(Redaction.scrub("engine: \(command): \(message)"))
    }

    /// A notice on stderr (`engine: <message>`): what the user should know, not the result.
    static func note(_ message: String) {
        Terminal.writeLine(Redaction.scrub("engine: \(message)"))
    }
}
