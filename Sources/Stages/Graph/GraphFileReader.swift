import Yams

/// Walks the YAML nodes, naming the file and line of anything wrong.
struct GraphFileReader {
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
        // Download settings a file leaves out are not the file's: the config file or the
        // built-in defaults give them (a flag or ENGINE_* outranks the file's own).
        (result.downloadWorkers, result.stallTimeout, result.connectTimeout, result.attempts) = (nil, nil, nil, nil)
        (result.retryDelay, result.limitRate, result.maxSize) = (nil, nil, nil)
        var renditionsNode: Node?, stagesNode: Node?, nameNode: Node?
        let pairs = try mapping(root, "the graph file", allowed: ["graph", "stages", "download", "renditions", "profiles", "upload", "sources", "resolve", "processors"])
        let listsStages = pairs.contains { $0.key == "stages" }
        for (key, node) in pairs {
            if listsStages, ["download", "renditions", "upload", "processors"].contains(key) {
                let keyNode = root.mapping?.keys.first { $0.string == key }
                throw error(keyNode, "'\(key)' goes in the stages list in a graph that has one (as the options of its stage)")
            }
            switch key {
            case "graph": nameNode = node
            case "stages": stagesNode = node
            case "download": try download(node, into: &result)
            case "upload": result.uploadBackend = try backend(node)
            case "sources": result.sources = try catalogSources(node)
            case "resolve": result.resolve = try resolvePlan(node)
            case "processors": result.processors = try processorPlan(node)
            case "profiles":
                for (name, value) in try mapping(node, "profiles", allowed: Self.anyKey(node)) {
                    result.profiles[name] = try profile(named: name, value, known: result.profiles)
                }
            default:
                renditionsNode = node
            }
        }
        if let nameNode {
            result.name = try string(nameNode, "graph")
            guard listsStages || result.name == "default" else {
                throw error(nameNode, "unknown graph '\(result.name)': a graph other than 'default' lists its stages (`stages:`)")
            }
        }
        if let renditionsNode { result.renditions = try renditions(renditionsNode, profiles: result.profiles) }
        if let stagesNode {
            try stages(stagesNode, into: &result)
        } else {
            result.stages = GraphStage.defaultGraph + (result.uploadBackend == nil ? [] : [.upload])
        }
        return result
    }

    /// `upload`'s options: `{backend: NAME}`.
    func backend(_ node: Node) throws(GraphFileError) -> String? {
        guard let pair = try mapping(node, "upload", allowed: ["backend"]).first else { return nil }
        return try string(pair.node, "upload.backend")
    }

    func download(_ node: Node, into result: inout GraphFile) throws(GraphFileError) {
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

    /// `processors: {audio: [loudness, peaks, fingerprint], video: []}`, or `none`.
    func processorPlan(_ node: Node) throws(GraphFileError) -> ProcessorPlan {
        if node.string == "none" || node.null != nil { return .none }
        var plan = ProcessorPlan.none
        let options = ["samples_per_pixel", "scene_threshold", "poster_width", "poster_every", "on_same_recording"]
        for (kind, value) in try mapping(node, "processors", allowed: ["audio", "video"] + options) {
            switch kind {
            case "samples_per_pixel": plan.samplesPerPixel = try int(value, "processors.samples_per_pixel", minimum: 2)
            case "scene_threshold":
                plan.sceneThreshold = try number(value, "processors.scene_threshold")
                guard plan.sceneThreshold <= 100 else { throw error(value, "processors.scene_threshold must be from 0 to 100") }
            case "poster_width":
                plan.posterWidth = try int(value, "processors.poster_width", minimum: 0)
                guard plan.posterWidth <= 8192 else { throw error(value, "processors.poster_width must be from 0 to 8192") }
            case "poster_every": plan.posterEvery = try number(value, "processors.poster_every")
            case "on_same_recording":
                let text = try string(value, "processors.on_same_recording")
                guard let choice = SameRecording(rawValue: text) else {
                    throw error(value, "processors.on_same_recording must be keep, skip or link, not '\(text)'")
                }
                plan.onSameRecording = choice
            default: break
            }
            if options.contains(kind) { continue }
            guard let list = value.sequence else { throw error(value, "processors.\(kind) must be a list of processor names") }
            let media: ProbeResult.MediaKind = kind == "audio" ? .audio : .video
            let known = ProcessorName.allCases.filter { $0.kinds.contains(media) }
            var chosen: [ProcessorName] = []
            for entry in list {
                let name = try string(entry, "a processor name")
                guard let processor = ProcessorName(rawValue: name), known.contains(processor) else {
                    let names = known.map(\.rawValue).joined(separator: ", ")
                    throw error(entry, "unknown processor '\(name)' in processors.\(kind) (known: \(names.isEmpty ? "none yet" : names))")
                }
                if !chosen.contains(processor) { chosen.append(processor) }
            }
            if kind == "audio" { plan.audio = chosen } else { plan.video = chosen }
        }
        if plan.onSameRecording != .keep, !plan.audio.contains(.fingerprint) {
            throw error(node, "processors.on_same_recording: \(plan.onSameRecording.rawValue) needs the fingerprint (processors.audio lists none)")
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
