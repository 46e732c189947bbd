import ArgumentParser
import Engine
import Stages

/// `engine probe FILE...`: in-process probing; `--json` in ffprobe's layout.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show the container and streams of media files (in-process libav, no ffprobe).",
        discussion: """
            --json prints ffprobe's `-show_format -show_streams -of json` layout: one object for \
            one FILE, an array of objects for several. A file that fails is an object holding \
            `error` {code, string} in the array, and one line on stderr. Exit 1 when any failed.
            """
    )

    @Flag(name: .long, help: "Print ffprobe-compatible JSON.")
    var json = false

    @Argument(help: "Media files (or URLs libav can read).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE to probe") }
    }

    func run() throws {
        let prober = MediaProber()
        var documents: [JSONValue] = []
        var failed = false
        for file in files {
            do {
                let result = try prober.probe(file)
                if json {
                    documents.append(result.ffprobeJSON)
                } else {
                    Output.line(ProbeText.render(result))
                }
            } catch {
                failed = true
                Output.error("probe", error.description)
                documents.append(.object([
                    ("error", .object([("code", .int(Int64(error.libavCode ?? -1))), ("string", .string(error.description))])),
                ]))
            }
        }
        if json {
            Output.line((files.count == 1 ? documents[0] : .array(documents)).serialized())
        }
        if failed { throw EngineExit.failures }
    }
}
