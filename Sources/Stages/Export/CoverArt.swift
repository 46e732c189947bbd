internal import CFFmpeg
import Foundation

/// The picture stored with an audio file (ID3 APIC, MP4 `covr`, a FLAC picture block): the
/// demuxer hands it over as an attached-picture stream when the file is opened.
enum CoverArt {
    /// The first attached picture in the file at `path`, as JPEG or PNG bytes; nil when it has
    /// none (or is unreadable: a missing cover is never an export's error).
    static func picture(in path: String) -> (ext: String, bytes: [UInt8])? {
        guard let input = try? InputFormatContext(url: path) else { return nil }
        for case let stream? in input.streams where stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 {
            let packet = stream.pointee.attached_pic
            guard let data = packet.data, packet.size > 0 else { continue }
            let ext: String
            switch stream.pointee.codecpar.pointee.codec_id {
            case AV_CODEC_ID_MJPEG: ext = "jpg"
            case AV_CODEC_ID_PNG: ext = "png"
            default: continue
            }
            return (ext, Array(UnsafeBufferPointer(start: data, count: Int(packet.size))))
        }
        return nil
    }
}
