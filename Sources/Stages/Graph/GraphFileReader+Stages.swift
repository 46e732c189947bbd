import Yams

extension GraphFileReader {
    /// A `stages:` list: each entry a stage name (`- probe`) or a name with its options
    /// (`- download: {workers: 4}`), in `GraphStage` order, each at most once.
    func stages(_ node: Node, into result: inout GraphFile) throws(GraphFileError) {
        guard let list = node.sequence, !list.isEmpty else {
            throw error(node, "stages must be a list of stage names, each with its options if it has any")
        }
        let known = GraphStage.allCases.map(\.rawValue).joined(separator: ", ")
        var listed: [GraphStage] = []
        for entry in list {
            let nameNode: Node, given: Node?
            if case .scalar = entry {
                (nameNode, given) = (entry, nil)
            } else if let pair = entry.mapping, pair.count == 1 {
                (nameNode, given) = (pair.keys[0], pair.values[0])
            } else {
                throw error(entry, "a stage is a name, or a name with its options (`- download: {workers: 4}`)")
            }
            let name = try string(nameNode, "a stage name")
            guard let stage = GraphStage(rawValue: name) else { throw error(nameNode, "unknown stage '\(name)' (known: \(known))") }
            guard !listed.contains(stage) else { throw error(nameNode, "stage '\(name)' is listed twice") }
            if let later = listed.first(where: { $0 > stage }) {
                throw error(nameNode, "stage '\(name)' must come before '\(later.rawValue)' (the order is \(known))")
            }
            listed.append(stage)
            let options = given.flatMap { $0.null == nil ? $0 : nil }  // `- probe:` is `- probe`
            switch stage {
            case .collect:
                guard let options else { continue }
                for (_, value) in try mapping(options, "collect", allowed: ["inputs"]) {
                    var inputs: [String] = []
                    for input in value.sequence.map(Array.init) ?? [value] { inputs.append(try string(input, "collect.inputs")) }
                    guard !inputs.isEmpty else { throw error(value, "collect.inputs must name at least one input") }
                    result.inputs = inputs
                }
            case .download:
                if let options { try download(options, into: &result) }
            case .probe, .store:
                if let options, options.mapping?.isEmpty != true { throw error(options, "stage '\(name)' takes no options") }
            case .process:
                if let options { result.processors = try processorPlan(options) }
            case .transcode:
                if let options { result.renditions = try renditions(options, profiles: result.profiles) }
            case .upload:
                guard let options, let backend = try backend(options) else {
                    throw error(nameNode, "stage 'upload' needs the backend it puts files on (`- upload: {backend: NAME}`)")
                }
                result.uploadBackend = backend
            }
        }
        for needed in [GraphStage.download, .probe] where !listed.contains(needed) {
            throw error(node, "the stages need '\(needed.rawValue)' (the order is \(known))")
        }
        if !listed.contains(.store), !(listed.contains(.transcode) && listed.contains(.upload)) {
            throw error(node, "without 'store' the originals are not kept, so the stages need 'transcode' and 'upload' to keep anything")
        }
        if !listed.contains(.store), result.renditions.isEmpty {
            throw error(node, "without 'store' only renditions are kept, and 'transcode' makes none")
        }
        if !listed.contains(.transcode) { result.renditions = .none }
        if !listed.contains(.process) { result.processors = .none }
        if !listed.contains(.upload) { result.uploadBackend = nil }
        result.stages = listed
    }
}
