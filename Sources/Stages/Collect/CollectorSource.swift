public import Engine

/// The head of the default graph: collects every input in order, drops items already emitted
/// (same source and remote id), and stops after `limit` items.
public struct CollectorSource: ItemSource {
    public let inputs: [String]
    public let limit: Int?
    public let collector: Collector

    public init(inputs: [String], limit: Int? = nil, collector: Collector = Collector()) {
        self.inputs = inputs
        self.limit = limit
        self.collector = collector
    }

    public var name: String { "collect" }

    public func produce(into emit: (MediaItem) async throws -> Void, context: SourceContext) async throws {
        var seen: Set<String> = []
        var emitted = 0
        for input in inputs {
            let collected = await collector.collect(input)
            for issue in collected.issues { await context.report(issue) }
            for item in collected.items where seen.insert(item.key).inserted {
                if let limit, emitted >= limit { return }
                try Task.checkCancellation()
                try await emit(item)
                emitted += 1
            }
        }
    }
}
