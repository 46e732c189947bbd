import ArgumentParser
import Foundation
import Stages

/// `engine graph`: prints the built-in default graph file or a bundled one, a starting point
/// for your own, or checks a graph file.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the built-in default graph file (YAML) or a bundled one, list the bundled graphs, or check a graph file."
    )

    @Argument(help: "A bundled graph's name to print (`--list`), or a graph file to check.")
    var graph: String?

    @Flag(help: "List the bundled graphs.")
    var list = false

    func run() throws {
        if list {
            let folder = Bundled.locate("graphs")
            let names = folder.map { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] } ?? []
            Output.line((["default"] + names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()).joined(separator: "\n"))
            return
        }
        guard let graph, graph != "default" else {
            print(GraphFile.builtInDefaultText, terminator: "")
            return
        }
        if !FileManager.default.fileExists(atPath: graph), let bundled = Bundled.graph(graph) {
            print(try String(contentsOfFile: bundled, encoding: .utf8), terminator: "")
            return
        }
        do {
            let file = try GraphFile.load(graph)
            let names = { (profiles: [TranscodeProfile]) in profiles.map(\.name).joined(separator: ", ") }
            Output.line(
                "\(graph): valid; stages: \(file.stages.map(\.rawValue).joined(separator: " -> "))"
                    + (file.stages.contains(.transcode) ? "; renditions: audio [\(names(file.renditions.audio))], video [\(names(file.renditions.video))]" : "")
                    + (file.uploadBackend.map { "; upload to backend '\($0)'" } ?? ""))
        } catch {
            Output.error("graph", error.description)
            throw EngineExit.usage
        }
    }
}
