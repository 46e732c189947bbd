/// A stage a graph file may list, in the only order they may come. `catalog` (first) and
/// `resolve` (before `download`) are implicit; without `store` the original is recorded where
/// it was found (`SourceRecordStage`) and only renditions are kept, on the upload backend.
public enum GraphStage: String, Sendable, CaseIterable, Comparable {
    /// Options: `inputs` (a URL or a list), used when the command line gives none.
    case collect
    /// Options: those of the default graph's `download` key.
    case download
    case probe
    /// Keep originals in the local library.
    case store
    /// Options: those of the default graph's `processors` key (its processors when none).
    case process
    /// Options: those of the default graph's `renditions` key (its renditions when none).
    case transcode
    /// Options: `backend` (required).
    case upload

    public static let defaultGraph: [GraphStage] = [.collect, .download, .probe, .store, .process, .transcode]

    public static func < (lhs: GraphStage, rhs: GraphStage) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
