import ArgumentParser
import Stages

/// `engine checksum FILE...`: SHA-256 in `sha256sum` format, so `| sha256sum -c` passes.
struct ChecksumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checksum",
        abstract: "Print SHA-256 checksums in sha256sum format (streamed, constant memory).",
        discussion: "With no FILE, or when FILE is -, read standard input."
    )

    @Argument(help: "Files to checksum.")
    var files: [String] = []

    func run() throws {
        let checksummer: FileChecksummer
        do {
            checksummer = try FileChecksummer()
        } catch {
            Output.error("checksum", "\(error)")
            throw EngineExit.cannotRun
        }
        var failed = false
        for path in files.isEmpty ? ["-"] : files {
            do {
                let (digest, _) = try checksummer.sha256(path: path)
                Output.line(Self.sha256sumLine(digest: digest.hex, name: path))
            } catch {
                Output.error("checksum", "\(error)")
                failed = true
            }
        }
        if failed { throw EngineExit.failures }
    }

    /// `sha256sum`'s line: names holding a backslash or newline are escaped and the line
    /// starts with a backslash, exactly as coreutils does it.
    static func sha256sumLine(digest: String, name: String) -> String {
        guard name.contains("\\") || name.contains("\n") else { return "\(digest)  \(name)" }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
        return "\\\(digest)  \(escaped)"
    }
}
