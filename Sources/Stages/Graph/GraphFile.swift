import Foundation
import Yams

/// A graph file (YAML): the options of the default pipeline, its renditions, and profiles of
/// its own. `--graph default` is `GraphFile.builtInDefault`, the same format.
///
/// ```yaml
/// graph: default
/// download: {workers: 8, stall_timeout: 30, connect_timeout: 15, attempts: 5, limit_rate: 2M}
/// renditions:
///   audio: [aac-128k]
///   video: [h264-720p, thumbnail]
/// profiles:
///   h264-480p: {base: h264-720p, max_width: 854, max_height: 480}
/// ```
/// `renditions: none` turns renditions off. Errors name the file, the line and the problem.
public struct GraphFile: Sendable {
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
    /// Profiles the file defines, by name (built-ins are always available).
    public var profiles: [String: TranscodeProfile]

    public static let builtInDefaultText = """
        # The built-in default graph: collect -> catalog -> resolve -> download -> probe -> store -> transcode.
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
        # upload: {backend: NAME}  # also put every stored file on this backend (`engine backend add`)

        """

    /// The built-in text is part of the program (a test parses it); it sets every key.
    public static let builtInDefault: GraphFile = {
        var reader = Reader(file: "<built-in default graph>", defaults: nil)
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
        } catch let error as YamlError {
            throw GraphFileError(file: file, line: error.line, message: "not valid YAML: \(error.shortDescription)")
        } catch {
            throw GraphFileError(file: file, line: nil, message: "not valid YAML: \(error)")
        }
        var reader = Reader(file: file, defaults: builtInDefault)
        return try reader.graph(root)
    }
}

/// `file:line: message`.
public struct GraphFileError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Walks the YAML nodes, naming the file and line of anything wrong.
private struct Reader {
    let file: String
    /// What a key the file leaves out means (the built-in default graph's value).
    let defaults: GraphFile?

    func error(_ node: Node?, _ message: String) -> GraphFileError {
        GraphFileError(file: file, line: node?.mark?.line, message: message)
    }

    func mapping(_ node: Node, _ what: String, allowed: [String]) throws(GraphFileError) -> [(key: String, node: Node)] {
        guard let mapping = node.mapping else { throw error(node, "\(what) must be a mapping") }
        var pairs: [(key: String, node: Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, "keys in \(what) must be names") }
            guard allowed.contains(name) else {
                throw error(key, "unknown key '\(name)' in \(what) (known: \(allowed.joined(separator: ", ")))")
            }
            pairs.append((name, value))
        }
        return pairs
    }

    func int(_ node: Node, _ what: String, minimum: Int = 1) throws(GraphFileError) -> Int {
        let maximum = Int(Int32.max)
        guard let value = node.int, value >= minimum, value <= maximum else {
            throw error(node, "\(what) must be a whole number from \(minimum) to \(maximum)")
        }
        return value
    }

    func number(_ node: Node, _ what: String) throws(GraphFileError) -> Double {
        guard let value = node.float ?? node.int.map(Double.init), value.isFinite, value >= 0, value <= 1e9 else {
            throw error(node, "\(what) must be a number from 0 to 1e9")
        }
        return value
    }

    func size(_ node: Node, _ what: String) throws(GraphFileError) -> Int64 {
        guard case .scalar = node, let text = node.string, let bytes = ByteSize.parse(text) else {
            throw error(node, "\(what) must be a size: bytes, or a number with K, M or G (powers of 1024)")
        }
        return bytes
    }

    func string(_ node: Node, _ what: String) throws(GraphFileError) -> String {
        guard case .scalar = node, let value = node.string, !value.isEmpty else { throw error(node, "\(what) must be text") }
        return value
    }

    mutating func graph(_ root: Node) throws(GraphFileError) -> GraphFile {
        var result = defaults ?? GraphFile(renditions: .none, profiles: [:])
        result.profiles = [:]
        var renditionsNode: Node?
        for (key, node) in try mapping(root, "the graph file", allowed: ["graph", "download", "renditions", "profiles", "upload"]) {
            switch key {
            case "graph":
                let name = try string(node, "graph")
                guard name == "default" else { throw error(node, "unknown graph '\(name)': only 'default' exists so far") }
            case "download":
                let keys = ["workers", "stall_timeout", "connect_timeout", "attempts", "retry_delay", "limit_rate", "max_size"]
                for (option, value) in try mapping(node, "download", allowed: keys) {
                    switch option {
                    case "workers": result.downloadWorkers = try int(value, "download.workers")
                    case "stall_timeout": result.stallTimeout = try number(value, "download.stall_timeout")
                    case "attempts": result.attempts = try int(value, "download.attempts")
                    case "retry_delay": result.retryDelay = try number(value, "download.retry_delay")
                    case "limit_rate": result.limitRate = try size(value, "download.limit_rate")
                    case "max_size": result.maxSize = try size(value, "download.max_size")
                    default: result.connectTimeout = try number(value, "download.connect_timeout")
                    }
                }
            case "upload":
                for (_, value) in try mapping(node, "upload", allowed: ["backend"]) {
                    result.uploadBackend = try string(value, "upload.backend")
                }
            case "profiles":
                for (name, value) in try mapping(node, "profiles", allowed: Self.anyKey(node)) {
                    result.profiles[name] = try profile(named: name, value, known: result.profiles)
                }
            default:
                renditionsNode = node
            }
        }
        if let renditionsNode { result.renditions = try renditions(renditionsNode, profiles: result.profiles) }
        return result
    }

    /// Every key of a mapping (profiles are named by the user).
    static func anyKey(_ node: Node) -> [String] {
        node.mapping?.keys.compactMap(\.string) ?? []
    }

    func renditions(_ node: Node, profiles: [String: TranscodeProfile]) throws(GraphFileError) -> RenditionPlan {
        if node.string == "none" || node.null != nil { return .none }
        var plan = RenditionPlan.none
        for (kind, value) in try mapping(node, "renditions", allowed: ["audio", "video"]) {
            guard let list = value.sequence else { throw error(value, "renditions.\(kind) must be a list of profile names") }
            var chosen: [TranscodeProfile] = []
            for entry in list {
                let name = try string(entry, "a profile name")
                guard let profile = profiles[name] ?? TranscodeProfile.builtIn[name] else {
                    throw error(entry, "unknown profile '\(name)' in renditions.\(kind)")
                }
                let media: ProbeResult.MediaKind = kind == "audio" ? .audio : .video
                guard profile.fits(media), kind == "video" || profile.kind == .audio || profile.kind == .any else {
                    throw error(entry, "profile '\(name)' makes \(profile.kind.rawValue), it cannot be an \(kind) rendition")
                }
                chosen.append(profile)
            }
            if kind == "audio" { plan.audio = chosen } else { plan.video = chosen }
        }
        return plan
    }

    static let profileKeys = [
        "base", "container", "extension", "faststart", "video_codec", "crf", "preset", "video_bitrate", "max_width",
        "max_height", "max_fps", "quality", "audio_codec", "audio_bitrate", "sample_rate", "channels", "start",
        "duration", "thumbnail_time", "threads",
    ]

    func profile(named name: String, _ node: Node, known: [String: TranscodeProfile]) throws(GraphFileError) -> TranscodeProfile {
        let pairs = try mapping(node, "profile '\(name)'", allowed: Self.profileKeys)
        guard let baseNode = pairs.first(where: { $0.key == "base" })?.node else {
            throw error(node, "profile '\(name)' needs a base profile (one of \(TranscodeProfile.builtIn.keys.sorted().joined(separator: ", ")))")
        }
        let baseName = try string(baseNode, "base")
        guard var profile = known[baseName] ?? TranscodeProfile.builtIn[baseName] else {
            throw error(baseNode, "unknown base profile '\(baseName)'")
        }
        profile.name = name
        for (key, value) in pairs {
            switch key {
            case "base": break
            case "container": profile.container = try string(value, key)
            case "extension": profile.fileExtension = try string(value, key)
            case "faststart":
                guard let flag = value.bool else { throw error(value, "faststart must be true or false") }
                profile.faststart = flag
            case "video_codec": profile.videoCodec = try string(value, key)
            case "crf": profile.crf = try int(value, key, minimum: 0)
            case "preset": profile.preset = try string(value, key)
            case "video_bitrate": profile.videoBitrate = try int(value, key)
            case "max_width": profile.maxWidth = try int(value, key)
            case "max_height": profile.maxHeight = try int(value, key)
            case "max_fps": profile.maxFPS = try number(value, key)
            case "quality": profile.quality = try int(value, key)
            case "audio_codec": profile.audioCodec = try string(value, key)
            case "audio_bitrate": profile.audioBitrate = try int(value, key)
            case "sample_rate": profile.sampleRate = try int(value, key)
            case "channels": profile.channels = try int(value, key)
            case "start": profile.start = try number(value, key)
            case "duration": profile.duration = try number(value, key)
            case "thumbnail_time": profile.thumbnailTime = try number(value, key)
            default: profile.threads = try int(value, key, minimum: 0)
            }
        }
        return profile
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
