/// A stage got an item that an earlier stage should have prepared: a mistake in how the graph
/// was put together, not bad input. Names the item, the stage and what was missing.
public struct StageInputError: Error, Sendable, CustomStringConvertible {
    public let item: String
    public let stage: String
    public let missing: String

    public init(item: String, stage: String, missing: String) {
        self.item = item
        self.stage = stage
        self.missing = missing
    }

    public var description: String { "\(item): reached \(stage) without \(missing) (the graph's stages are out of order)" }
}
