import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// XSPF: `<trackList><track><location/><title/><creator/><duration/>` (duration in ms).
enum XSPFParser {
    static func parse(_ text: String, base: PlaylistBase) -> ParsedPlaylist {
        let delegate = Delegate(playlistURL: base.url)
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = delegate
        var result = ParsedPlaylist()
        if !parser.parse() {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            result.issues.append((parser.lineNumber, "not valid XSPF: \(reason)"))
        } else if !delegate.openElements.isEmpty {
            result.issues.append((parser.lineNumber, "not valid XSPF: the document ends inside <\(delegate.openElements.last!)>"))
        }
        result.title = delegate.playlistTitle
        for (number, track) in delegate.tracks.enumerated() {
            guard let location = track.location else {
                result.issues.append((track.line, "track \(number + 1) has no <location>"))
                continue
            }
            // Relative to the nearest xml:base (track, trackList, playlist; each against the one
            // around it), then to the playlist's own URL.
            let reference = track.base.flatMap { URL(string: location, relativeTo: $0)?.absoluteString } ?? location
            switch base.resolve(reference, isURIReference: true) {
            case .success(let url):
                var duration: Double?
                if let text = track.duration {
                    if let ms = Double(text), ms >= 0 {
                        duration = ms / 1000
                    } else {
                        result.issues.append((track.line, "track \(number + 1) duration '\(text)' is not a number of milliseconds"))
                    }
                }
                result.entries.append(PlaylistEntry(
                    url: url, title: track.title, creators: track.creator.map { [$0] } ?? [], duration: duration, line: track.line))
            case .failure(let error):
                result.issues.append((track.line, "track \(number + 1): \(error)"))
            }
        }
        return result
    }

    struct Track {
        var line: Int
        /// The xml:base in effect at the track (nil: none was given).
        var base: URL?
        var location, title, creator, duration: String?
    }

    /// Collects tracks; only the parser's thread touches it, during `parse()`.
    final class Delegate: NSObject, XMLParserDelegate {
        var tracks: [Track] = []
        var playlistTitle: String?
        private var current: Track?
        private var text = ""
        private(set) var openElements: [String] = []
        /// The xml:base in effect inside each open element (nil: none given yet).
        private var bases: [URL?] = []
        let playlistURL: URL

        init(playlistURL: URL) {
            self.playlistURL = playlistURL
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            openElements.append(name)
            let outer = bases.last ?? nil
            bases.append(attributes["xml:base"].flatMap { URL(string: $0, relativeTo: outer ?? playlistURL)?.absoluteURL } ?? outer)
            text = ""
            if name == "track" { current = Track(line: parser.lineNumber, base: bases.last ?? nil) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            openElements.removeLast()
            bases.removeLast()
            if name == "track", let track = current {
                tracks.append(track)
                current = nil
            } else if current != nil, openElements.last == "track" {
                switch name {
                case "location": if current?.location == nil { current?.location = value }
                case "title": current?.title = value
                case "creator": current?.creator = value
                case "duration": current?.duration = value
                default: break
                }
            } else if name == "title", openElements.last == "playlist" {
                playlistTitle = value
            }
            text = ""
        }
    }
}
