import ArgumentParser
import Stages

/// `engine graph`: prints the built-in default graph file, a starting point for your own.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the built-in default graph file (YAML), or check a graph file."
    )

    @Argument(help: "A graph file to check instead.")
    var file: String?

    func run() throws {
        guard let file else {
            print(GraphFile.builtInDefaultText, terminator: "")
            return
        }
        do {
            let graph = try GraphFile.load(file)
            let names = { (profiles: [TranscodeProfile]) in profiles.map(\.name).joined(separator: ", ") }
            Output.line("\(file): valid; renditions: audio [\(names(graph.renditions.audio))], video [\(names(graph.renditions.video))]")
        } catch {
            Output.error("graph", error.description)
            throw EngineExit.usage
        }
    }
}
