/// The playlist and list formats the collectors read.
package enum PlaylistFormat: String, Sendable, CaseIterable {
    case m3u, pls, xspf, plainList
    /// RSS 2.0 or Atom.
    case feed

    /// By extension first, then by the first meaningful line of the content.
    public static func detect(path: String, content: String? = nil) -> PlaylistFormat? {
        switch path.fileExtension {
        case "m3u", "m3u8": return .m3u
        case "pls": return .pls
        case "xspf": return .xspf
        case "txt", "list", "urls": return .plainList
        case "rss", "atom": return .feed
        default: break
        }
        guard let content else { return nil }
        let head = content.drop { $0 == "\u{FEFF}" || $0.isWhitespace }.prefix(64).lowercased()
        if head.hasPrefix("#extm3u") { return .m3u }
        if head.hasPrefix("[playlist]") { return .pls }
        // An XML document is a feed when its root is <rss> or <feed> (after any declaration,
        // comments and processing instructions in the first 4 KiB), else XSPF.
        let xml = content.drop { $0 == "\u{FEFF}" || $0.isWhitespace }.prefix(4096).lowercased()
        if xml.hasPrefix("<") {
            if let root = xml.range(of: "<(rss|feed)[\\s>]", options: .regularExpression), !xml[..<root.lowerBound].contains("<playlist") {
                return .feed
            }
        }
        if head.hasPrefix("<?xml") || head.hasPrefix("<playlist") { return .xspf }
        return nil
    }

    public func parse(_ text: String, base: PlaylistBase) -> ParsedPlaylist {
        switch self {
        case .m3u: M3UParser.parse(text, base: base)
        case .pls: PLSParser.parse(text, base: base)
        case .xspf: XSPFParser.parse(text, base: base)
        case .plainList: PlainListParser.parse(text, base: base)
        case .feed: FeedParser.parse(text, base: base)
        }
    }
}

/// Media file extensions the folder scan picks up, and that mark an input as a media file.
package enum MediaExtensions {
    public static let all: Set<String> = [
        "mp3", "m4a", "aac", "flac", "wav", "ogg", "oga", "opus", "wma", "aif", "aiff", "alac",
        "mp4", "m4v", "mkv", "webm", "mov", "avi", "mpg", "mpeg", "ts", "wmv", "3gp",
    ]
}

extension String {
    /// Lowercased extension of the last path component ("" when none).
    var fileExtension: String {
        let name = split(separator: "/").last.map(String.init) ?? self
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...]).lowercased()
    }
}
