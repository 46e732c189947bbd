import Foundation
import Yams

/// A graph file (YAML): the options of the default pipeline, its renditions, and profiles of
/// its own. `--graph default` is `GraphFile.builtInDefault`, the same format.
///
/// ```yaml
/// graph: default
/// download: {workers: 8, stall_timeout: 30, connect_timeout: 15, attempts: 5, limit_rate: 2M}
/// processors: {audio: [loudness, peaks, fingerprint]}
/// renditions:
///   audio: [aac-128k]
///   video: [h264-720p, thumbnail]
/// profiles:
///   h264-480p: {base: h264-720p, max_width: 854, max_height: 480}
/// ```
/// `renditions: none` turns renditions off. Errors name the file, the line and the problem.
///
/// A graph of its own lists its stages instead, each with its options (`GraphStage`), e.g.
/// `graphs/s3-transcode.yaml`: bucket in → transcode → bucket out, keeping no originals.
/// ```yaml
/// graph: s3-transcode
/// stages:
///   - collect: {inputs: ["s3://media-in/"]}
///   - download: {workers: 8}
///   - probe
///   - transcode: {video: [h264-720p]}
///   - upload: {backend: media-out}
/// ```
public struct GraphFile: Sendable {
    /// `default`, or the name a graph with a stages list gives itself.
    public var name = "default"
    /// The item stages, in order; the default graph's when the file lists none (with `upload`
    /// when it names a backend).
    public var stages: [GraphStage] = GraphStage.defaultGraph
    /// Inputs the collect stage names, for a run given none.
    public var inputs: [String] = []
    public var downloadWorkers: Int?
    public var stallTimeout: Double?
    public var connectTimeout: Double?
    public var attempts: Int?
    public var retryDelay: Double?
    public var limitRate: Int64?
    public var maxSize: Int64?
    /// A storage backend every stored file (original and renditions) goes up to, after the
    /// transcode (`upload: {backend: NAME}`); nil: none.
    public var uploadBackend: String?
    public var renditions: RenditionPlan
    /// The processors run on each stored original (`processors:`).
    public var processors: ProcessorPlan = .standard
    /// Profiles the file defines, by name (built-ins are always available).
    public var profiles: [String: TranscodeProfile]
    /// Web catalogs the file defines (`sources:`), for `catalog:NAME` inputs.
    public var sources: [CatalogSource] = []
    /// The ranking resolver's plan (`resolve:`); nil: each item from its own URL.
    public var resolve: ResolvePlan?

    /// Originals are kept in the library (a `store` stage); otherwise they stay where they were
    /// found and only the renditions are kept, on the upload backend.
    public var keepsOriginals: Bool { stages.contains(.store) }
    /// The backend a graph that keeps no originals puts its renditions on (nil: it keeps them).
    public var renditionsBackend: String? { keepsOriginals ? nil : uploadBackend }

    public static let builtInDefaultText = """
        # The built-in default graph: collect -> catalog -> resolve -> download -> probe -> store -> process -> transcode.
        # Copy it (`engine graph > my.yaml`), edit, and run it with `engine run --graph my.yaml`.
        graph: default
        download:
          workers: 8           # concurrent transfers (the network lane)
          stall_timeout: 30    # seconds without data before a download fails
          connect_timeout: 15
          attempts: 5          # tries per item on transient errors (5xx, 429, dropped connections)
          retry_delay: 1       # seconds before the second try; doubled each time, with jitter
          max_size: 4G         # a response past this is stopped, its item skipped (a live stream)
          # limit_rate: 2M     # bytes/s shared by all transfers (none by default)
        renditions:            # made beside each stored original; `renditions: none` turns them off
          audio: [aac-128k]
          video: [h264-720p, thumbnail]
        profiles: {}           # your own, e.g. h264-480p: {base: h264-720p, max_width: 854, max_height: 480}
        processors:            # run on each stored original, one decode for all; `processors: none` turns them off
          audio: [loudness, peaks, fingerprint]
          video: [scenes]      # scene cuts, and a poster (JPEG, poster_width wide) of each scene
        # upload: {backend: NAME}  # also put every stored file on this backend (`engine backend add`)

        """

    /// The built-in text is part of the program (a test parses it); it sets every key.
    public static let builtInDefault: GraphFile = {
        var reader = GraphFileReader(file: "<built-in default graph>", defaults: nil)
        return try! reader.graph(try! Yams.compose(yaml: builtInDefaultText)!)
    }()

    /// `default`, or the path of a YAML graph file.
    public static func load(_ nameOrPath: String) throws(GraphFileError) -> GraphFile {
        if nameOrPath == "default" { return builtInDefault }
        let text: String
        do {
            text = try String(contentsOfFile: nameOrPath, encoding: .utf8)
        } catch {
            throw GraphFileError(file: nameOrPath, line: nil, message: "cannot read: \(Collector.reason(error))")
        }
        return try parse(text, file: nameOrPath)
    }

    public static func parse(_ text: String, file: String) throws(GraphFileError) -> GraphFile {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw GraphFileError(file: file, line: nil, message: "the file is empty")
            }
            root = node
        } catch let error as GraphFileError {
            throw error
        } catch {
            throw GraphFileError.yaml(error, file: file)
        }
        var reader = GraphFileReader(file: file, defaults: builtInDefault)
        return try reader.graph(root)
    }
}

/// `file:line: message`.
public struct GraphFileError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }

    /// Yams' complaint about YAML that does not parse, with its line (for any YAML file).
    public static func yaml(_ error: any Error, file: String) -> GraphFileError {
        guard let error = error as? YamlError else { return GraphFileError(file: file, line: nil, message: "not valid YAML: \(error)") }
        return GraphFileError(file: file, line: error.line, message: "not valid YAML: \(error.shortDescription)")
    }
}

extension YamlError {
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    var shortDescription: String {
        switch self {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(self)"
        }
    }
}

extension GraphFile {
    /// The `sources:` and `resolve:` of another YAML file (a config file), errors naming `file`.
    public static func sourcesAndResolve(inYAML text: String, file: String) throws(GraphFileError) -> ([CatalogSource], ResolvePlan?) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw GraphFileError.yaml(error, file: file)
        }
        let reader = GraphFileReader(file: file, defaults: nil)
        var sources: [CatalogSource] = [], resolve: ResolvePlan?
        if let node = root?.mapping?.first(where: { $0.key.string == "sources" })?.value { sources = try reader.catalogSources(node) }
        if let node = root?.mapping?.first(where: { $0.key.string == "resolve" })?.value { resolve = try reader.resolvePlan(node) }
        return (sources, resolve)
    }
}
