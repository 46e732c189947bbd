/// A collection an item is listed in, with its place there (a content package carries them).
public struct ItemCollection: Sendable, Equatable {
    public var source: String
    public var kind: String
    public var locator: String
    public var title: String?
    public var position: Int?

    public init(source: String, kind: String, locator: String, title: String?, position: Int?) {
        self.source = source
        self.kind = kind
        self.locator = locator
        self.title = title
        self.position = position
    }
}

/// What the store keeps for content packages (`engine package export|import`).
public protocol PackageStore: Sendable {
    /// The collections that list the item.
    func itemCollections(itemID: Int64) async throws -> [ItemCollection]
    /// The version of the package imported last (nil: never).
    func importedPackageVersion(_ package: String) async throws -> Int?
    func recordPackageImport(_ package: String, version: Int, itemID: Int64) async throws
}
