public import Foundation

/// One copy of a stored file — an asset on a backend — as `engine maintenance verify` checks it.
public struct StoredLocation: Sendable, Equatable {
    public var id: Int64
    public var assetID: Int64
    /// The asset's recorded content.
    public var sha256: String
    public var size: Int64
    public var backend: String
    /// `local_fs` or `object_storage`.
    public var backendKind: String
    public var locator: String
    /// `active`; `corrupt` once a check found its bytes changed or gone; `inactive` once its
    /// copy was given up (a record kept).
    public var state: String
    public var isPrimary: Bool
    public var verifiedAt: Date?
    /// What the last failed check found.
    public var problem: String?

    public init(
        id: Int64, assetID: Int64, sha256: String, size: Int64, backend: String, backendKind: String, locator: String, state: String,
        isPrimary: Bool, verifiedAt: Date? = nil, problem: String? = nil
    ) {
        self.id = id
        self.assetID = assetID
        self.sha256 = sha256
        self.size = size
        self.backend = backend
        self.backendKind = backendKind
        self.locator = locator
        self.state = state
        self.isPrimary = isPrimary
        self.verifiedAt = verifiedAt
        self.problem = problem
    }
}

/// What the store keeps of bit-rot checks (`engine maintenance verify`).
public protocol LocationChecking: Sendable {
    /// The locations in `states` (of one backend, or all), oldest first.
    func storedLocations(backend: String?, states: [String]) async throws -> [StoredLocation]
    /// Records a check of a location now, made against `sha256` (the asset's content when the
    /// check began). `problem` nil: its bytes match (a corrupt one is active again, and primary
    /// where its backend has none). Otherwise it is marked `corrupt` with the problem and loses
    /// its primary mark, which passes to another active copy of the asset — on the same backend
    /// if there is one. False (nothing changed) when the location is no longer active or
    /// corrupt, or its asset's content changed meanwhile (a rendition made again).
    @discardableResult
    func recordCheck(locationID: Int64, sha256: String, problem: String?) async throws -> Bool
    /// Where the items holding this asset as their original were collected from.
    func sourceURLs(assetID: Int64) async throws -> [String]
    /// Dedupe: `keep` becomes the primary copy on its backend and `drop` (other active copies
    /// of the same asset there) `inactive`, in one transaction; returns the ids dropped (none
    /// when `keep` is no longer active). Everything else refers to the asset, not to a copy, so
    /// nothing else has to move.
    func keepLocation(_ keep: Int64, dropping drop: [Int64]) async throws -> [Int64]
}

extension LocationChecking {
    /// The active and corrupt locations: the copies a check reads.
    public func storedLocations(backend: String?) async throws -> [StoredLocation] {
        try await storedLocations(backend: backend, states: ["active", "corrupt"])
    }
}
