public import Engine

/// Which renditions the transcode stage makes, per media kind.
public struct RenditionPlan: Sendable, Equatable {
    public var audio: [TranscodeProfile]
    public var video: [TranscodeProfile]

    public init(audio: [TranscodeProfile], video: [TranscodeProfile]) {
        self.audio = audio
        self.video = video
    }

    public static let none = RenditionPlan(audio: [], video: [])

    public func profiles(for mediaKind: String?) -> [TranscodeProfile] {
        switch mediaKind {
        case "audio": audio
        case "video": video
        default: []
        }
    }

    /// The planned renditions a stored item lacks on `backend`, leaving out those that failed
    /// before with the same settings (a retry clears such a failure, a changed profile does not
    /// match it).
    public func missing(for entry: CatalogEntry, on backend: String = LocalLibrary.backendName) -> [TranscodeProfile] {
        let made = entry.renditionProfiles(on: backend)
        return profiles(for: entry.mediaKind).filter {
            !made.contains($0.name) && entry.failedRenditions[$0.name] != $0.settingsFingerprint
        }
    }

    public var isEmpty: Bool { audio.isEmpty && video.isEmpty }
}
