import Console
import Engine
import Foundation
import Stages

/// Jobs the console queues (its quick-launch form, a collection's Download): checked as
/// `jobs submit` checks them, with the profile's settings. A graph is `default` or a bundled
/// one by name: a page never makes the server read a file of its choosing.
enum ConsoleLaunch {
    static func submit(_ request: LaunchRequest, settings: Settings, store: any EngineStore) async throws -> JobRecord {
        if let problem = JobAssembly.problem(request.type, inputs: request.inputs, backend: nil, flags: false) { throw LaunchError(problem) }
        if let limit = request.limit, limit < 1 { throw LaunchError("limit: a number from 1 up") }
        let graph = request.graph ?? "default"
        var options = JobOptions(graph: graph)
        if graph != "default" {
            guard let path = Bundled.graph(graph) else {
                throw LaunchError("unknown graph '\(graph)': give 'default' or a bundled graph (`engine graph --list`)")
            }
            options.graphText = try String(contentsOfFile: path, encoding: .utf8)
        }
        let file: GraphFile
        do {
            file = try options.graphFile()
        } catch {
            throw LaunchError(error.description)
        }
        try options.apply(settings, command: "serve")
        if !request.renditions {
            if let backend = file.renditionsBackend {
                throw LaunchError("renditions are off: graph '\(file.name)' keeps nothing but renditions (on backend '\(backend)')")
            }
            options.noRenditions = true
        }
        return try await store.createJob(
            JobSpec(
                type: request.type, inputs: [.ingest, .collectOnly].contains(request.type) ? request.inputs : [CatalogCollector.input],
                scope: JobScope(sources: request.sources, collections: request.collections, limit: request.limit),
                options: options.encoded, stages: JobAssembly.stageNames(request.type, graph: file, libraryBackend: options.libraryBackend)))
    }
}
