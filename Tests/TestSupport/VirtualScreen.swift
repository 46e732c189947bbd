import Foundation

/// What a terminal of `columns` would show after the bytes a program wrote to it: text, `\r`,
/// `\n` (as a tty's output processing turns it into `\r\n`), and the escapes a progress display
/// uses — erase to the end of the line (`ESC[K`), cursor up (`ESC[nA`). A line longer than the
/// width wraps, as on a real terminal, and is counted.
public struct VirtualScreen {
    public private(set) var rows: [[Character]] = [[]]
    public private(set) var wraps = 0
    private var row = 0, column = 0
    public let columns: Int

    public init(columns: Int, output: String) {
        self.columns = columns
        var characters = output.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\r": column = 0
            case "\n", "\r\n":
                newLine()
            case "\u{1B}":
                guard characters.next() == "[" else { continue }
                var parameter = ""
                while let next = characters.next() {
                    if next.isNumber || next == ";" { parameter.append(next); continue }
                    if next == "K" { rows[row].removeSubrange(min(column, rows[row].count)...) }
                    if next == "A" { row = max(0, row - (Int(parameter) ?? 1)) }
                    if next == "J", parameter == "2" { rows = [[]]; row = 0; column = 0 }
                    break
                }
            default:
                if column >= columns {
                    wraps += 1
                    newLine()
                }
                while rows[row].count < column { rows[row].append(" ") }
                if column < rows[row].count { rows[row][column] = character } else { rows[row].append(character) }
                column += 1
            }
        }
    }

    private mutating func newLine() {
        row += 1
        column = 0
        if row == rows.count { rows.append([]) }
    }

    /// The screen's lines, trailing blanks and empty lines at the end dropped.
    public var lines: [String] {
        var text = rows.map { String($0).replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) }
        while text.last?.isEmpty == true { text.removeLast() }
        return text
    }
}
