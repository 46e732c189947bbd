public import Engine
import Foundation

extension ProbeResult {
    /// The result in ffprobe's `-show_format -show_streams -of json` layout: the same field
    /// names, order and value types (ffprobe prints sizes, rates and times as strings).
    public var ffprobeJSON: JSONValue {
        .object([
            ("streams", .array(streams.map(\.ffprobeJSON))),
            ("format", format.ffprobeJSON),
        ])
    }
}

extension ProbeResult.Format {
    var ffprobeJSON: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("filename", .string(filename)),
            ("nb_streams", .int(nbStreams)),
            ("nb_programs", .int(nbPrograms)),
            ("format_name", .string(formatName)),
        ]
        members.append(optional: "format_long_name", formatLongName.map(JSONValue.string))
        members.append(optional: "start_time", startTime.map(ffprobeTime))
        members.append(optional: "duration", duration.map(ffprobeTime))
        members.append(optional: "size", size.map { .string(String($0)) })
        members.append(optional: "bit_rate", bitRate.map { .string(String($0)) })
        members.append(("probe_score", .int(probeScore)))
        members.append(optional: "tags", tags.ffprobeJSON)
        return .object(members)
    }
}

extension ProbeResult.Stream {
    /// A codec tag as ffprobe writes it (`av_fourcc_make_string`): printable characters as
    /// they are, others as `[n]`.
    static func fourCC(_ tag: UInt32) -> String {
        var text = ""
        for shift in 0..<4 {
            let byte = UInt8(truncatingIfNeeded: tag >> (8 * UInt32(shift)))
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: " "):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "[\(byte)]"
            }
        }
        return text
    }

    var ffprobeJSON: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("index", .int(index))]
        members.append(optional: "codec_name", codecName.map(JSONValue.string))
        members.append(optional: "codec_long_name", codecLongName.map(JSONValue.string))
        members.append(optional: "profile", profile.map(JSONValue.string))
        members.append(("codec_type", .string(codecType)))
        members.append(("codec_tag_string", .string(Self.fourCC(codecTag))))
        members.append(("codec_tag", .string(cFormat("0x%04x", codecTag))))
        members.append(optional: "width", width.map(JSONValue.int))
        members.append(optional: "height", height.map(JSONValue.int))
        members.append(optional: "sample_aspect_ratio", sampleAspectRatio.map { .string("\($0.num):\($0.den)") })
        members.append(optional: "display_aspect_ratio", displayAspectRatio.map { .string("\($0.num):\($0.den)") })
        members.append(optional: "pix_fmt", pixFmt.map(JSONValue.string))
        members.append(optional: "level", level.map(JSONValue.int))
        members.append(optional: "sample_fmt", sampleFmt.map(JSONValue.string))
        members.append(optional: "sample_rate", sampleRate.map { .string(String($0)) })
        members.append(optional: "channels", channels.map(JSONValue.int))
        members.append(optional: "channel_layout", channelLayout.map(JSONValue.string))
        members.append(optional: "bits_per_sample", bitsPerSample.map(JSONValue.int))
        members.append(("r_frame_rate", .string(rFrameRate.description)))
        members.append(("avg_frame_rate", .string(avgFrameRate.description)))
        members.append(("time_base", .string(timeBase.description)))
        members.append(optional: "start_time", startTime.map(ffprobeTime))
        members.append(optional: "duration", duration.map(ffprobeTime))
        members.append(optional: "bit_rate", bitRate.map { .string(String($0)) })
        members.append(optional: "bits_per_raw_sample", bitsPerRawSample.map { .string(String($0)) })
        members.append(optional: "nb_frames", nbFrames.map { .string(String($0)) })
        members.append(("disposition", .object(disposition.map { ($0.name, .int($0.isSet ? 1 : 0)) })))
        members.append(optional: "tags", tags.ffprobeJSON)
        if let displayMatrix {
            // As ffprobe prints it: the nine values three a line, each line numbered, and the
            // rotation as a whole number of degrees.
            var text = "\n"
            for row in 0..<3 {
                text += cFormat("%08x: ", row) + displayMatrix[row * 3..<row * 3 + 3].map { cFormat(" %11d", $0) }.joined() + "\n"
            }
            var entry: [(key: String, value: JSONValue)] = [("side_data_type", .string("Display Matrix")), ("displaymatrix", .string(text))]
            if let rotation, rotation.isFinite { entry.append(("rotation", .int(Int64(rotation)))) }
            members.append(("side_data_list", .array([.object(entry)])))
        }
        return .object(members)
    }
}

extension Array where Element == MediaTag {
    /// ffprobe omits `tags` when there are none.
    fileprivate var ffprobeJSON: JSONValue? {
        isEmpty ? nil : .object(map { ($0.key, .string($0.value)) })
    }
}

extension Array where Element == (key: String, value: JSONValue) {
    fileprivate mutating func append(optional key: String, _ value: JSONValue?) {
        if let value { append((key, value)) }
    }
}

/// ffprobe prints times in seconds with `%f`.
private func ffprobeTime(_ seconds: Double) -> JSONValue {
    .string(cFormat("%f", seconds))
}

/// `format` filled by the C library's `vsnprintf`, as ffprobe's own printf does: Foundation's
/// `String(format:)` gives the same text at several times the cost, and a probe formats a
/// few numbers for each file.
private func cFormat(_ format: String, _ arguments: any CVarArg...) -> String {
    withVaList(arguments) { list in
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let count = vsnprintf(buffer.baseAddress!, buffer.count, format, list)
            guard count >= 0, count < buffer.count else { return String(format: format, arguments: arguments) }
            return String(cString: buffer.baseAddress!)
        }
    }
}
