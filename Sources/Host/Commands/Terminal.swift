import Engine
import Foundation
import Synchronization

/// Standard error, shared by messages, log lines and the live progress display: a line
/// written while progress is drawn clears it first (it is drawn again on its next tick), so a
/// log line never glues onto the progress.
enum Terminal {
    /// Lines of progress on screen now (0: none).
    private static let drawn = Mutex(0)

    static func writeLine(_ line: String) {
        write(line + "\n")
    }

    /// Writes `text` (whole lines) below nothing: the progress display is cleared first.
    static func write(_ text: String) {
        drawn.withLock { lines in
            FileHandle.standardError.write(Data((clear(lines) + text).utf8))
            lines = 0
        }
    }

    /// Replaces the progress display with `lines` (each already fitted to the width).
    static func drawProgress(_ lines: [String]) {
        drawn.withLock { shown in
            FileHandle.standardError.write(Data((clear(shown) + lines.joined(separator: "\n")).utf8))
            shown = lines.count
        }
    }

    static func clearProgress() {
        drawn.withLock { shown in
            if shown > 0 { FileHandle.standardError.write(Data(clear(shown).utf8)) }
            shown = 0
        }
    }

    /// Back to the start of a display of `lines` lines, erased (the cursor sits on its last line).
    private static func clear(_ lines: Int) -> String {
        guard lines > 0 else { return "" }
        return "\r\u{1B}[K" + String(repeating: "\u{1B}[1A\u{1B}[K", count: lines - 1)
    }

    /// Columns and rows of the terminal on stderr (80 x 24 when it does not say).
    static var size: (columns: Int, rows: Int) {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return (80, 24) }
        return (Int(size.ws_col), size.ws_row > 0 ? Int(size.ws_row) : 24)
    }
}

/// swift-log's stream for the `engine` process: standard error through `Terminal`, every URL
/// in a line redacted.
struct RedactingStandardError: TextOutputStream, Sendable {
    mutating func write(_ string: String) {
        Terminal.write(Redaction.scrub(string))
    }
}
