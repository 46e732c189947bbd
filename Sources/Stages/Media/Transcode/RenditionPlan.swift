/// Which renditions the transcode stage makes, per media kind.
public struct RenditionPlan: Sendable, Equatable {
    public var audio: [TranscodeProfile]
    public var video: [TranscodeProfile]

    public init(audio: [TranscodeProfile], video: [TranscodeProfile]) {
        self.audio = audio
        self.video = video
    }

    public static let none = RenditionPlan(audio: [], video: [])

    /// The default graph's: AAC for audio; 720p H.264 and a thumbnail for video.
    public static var standard: RenditionPlan {
        let profiles = TranscodeProfile.builtIn
        return RenditionPlan(audio: [profiles["aac-128k"]!], video: [profiles["h264-720p"]!, profiles["thumbnail"]!])
    }

    public func profiles(for mediaKind: String?) -> [TranscodeProfile] {
        switch mediaKind {
        case "audio": audio
        case "video": video
        default: []
        }
    }

    public var isEmpty: Bool { audio.isEmpty && video.isEmpty }
}
