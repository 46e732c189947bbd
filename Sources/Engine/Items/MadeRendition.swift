/// A rendition made in an item's temp space and recorded as an asset, on its way to a storage
/// backend (a graph that keeps no originals in the library uploads its renditions from there).
public struct MadeRendition: Sendable, Equatable {
    public var assetID: Int64
    public var profile: String
    /// Its temporary file (deleted with the item's temp space).
    public var path: String
    public var size: Int64
    /// Where it goes, as a library would name it (`<original stem>.<profile>.<ext>` beside the
    /// original's locator); the object key mirrors it.
    public var locator: String

    public init(assetID: Int64, profile: String, path: String, size: Int64, locator: String) {
        self.assetID = assetID
        self.profile = profile
        self.path = path
        self.size = size
        self.locator = locator
    }
}
