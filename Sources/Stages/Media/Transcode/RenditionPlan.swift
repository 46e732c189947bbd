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

    public var isEmpty: Bool { audio.isEmpty && video.isEmpty }
}
