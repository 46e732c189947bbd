package import Engine
import Foundation

/// What a rendition's ReplayGain tags say: the original's track loudness, and its album's —
/// the item's one collection, once every item of it has a measurement (an album of some
/// tracks only would be another album) — computed from the tracks' block histograms.
package struct ReplayGain: Sendable {
    public var track: Loudness?
    public var album: (gain: Double?, peak: Double)?

    public init(track: Loudness?, album: (gain: Double?, peak: Double)?) {
        self.track = track
        self.album = album
    }

    /// Nothing measured: no tags.
    public static let none = ReplayGain(track: nil, album: nil)

    /// As the store keeps it for the item whose original is `assetID`.
    public static func stored(itemID: Int64, assetID: Int64, in store: any CatalogStore) async throws -> ReplayGain {
        guard let track = try await Loudness.stored(assetID: assetID, in: store) else { return .none }
        return ReplayGain(track: track, album: try await album(itemID: itemID, in: store)?.gain)
    }

    /// The album of the item's one collection, when every item of it is measured.
    public static func album(itemID: Int64, in store: any CatalogStore) async throws -> (collection: String, tracks: Int, gain: (gain: Double?, peak: Double))? {
        guard let album = try await store.albumResults(itemID: itemID, processor: Loudness.processor),
            album.results.count > 1, !album.results.contains(nil)
        else { return nil }  // an album not measured yet is not decoded (its tracks' histograms are large)
        let tracks = album.results.map { json in
            json.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }.flatMap(Loudness.init(result:))
        }
        guard tracks.count > 1, tracks.allSatisfy({ $0 != nil }) else { return nil }
        let measured = Loudness.album(tracks.compactMap { $0 })
        return (album.collection, tracks.count, (measured.gain, measured.peak))
    }

    /// The tags a rendition of `profile` carries.
    public func tags(for profile: TranscodeProfile) -> [(key: String, value: String)] {
        guard let track else { return [] }
        switch profile.loudnessTags {
        case .none: return []
        case .replayGain, .mp4Freeform: return track.tags(opus: false, album: album)
        case .r128: return track.tags(opus: true, album: album)
        }
    }
}
