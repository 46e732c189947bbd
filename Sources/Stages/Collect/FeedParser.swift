import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Podcast and news feeds, RSS 2.0 and Atom: one entry per `<item>`/`<entry>` with media — an
/// RSS `<enclosure url>`, an Atom `<link rel="enclosure" href>`, or a Media RSS
/// `<media:content url>` — identified by its `<guid>`/`<id>`, with its title, author
/// (`itunes:author`, `dc:creator`, Atom `<author><name>`, else the feed's `itunes:author`) and
/// `itunes:duration` (seconds, MM:SS or HH:MM:SS). Relative URLs resolve against `xml:base`
/// (nested) and the feed's own URL. External entities are never loaded; libxml2 refuses entity
/// expansion beyond its limits (a "billion laughs" feed is a parse error, not a hang).
enum FeedParser {
    static func parse(_ text: String, base: PlaylistBase) -> ParsedPlaylist {
        let delegate = Delegate(base: base.url)
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        var result = ParsedPlaylist()
        // The first error where it happened (libxml2 reads on to the end); libxml2 recovers from
        // some breakage (a mismatched end tag) without an error: the delegate notes that too.
        let parsed = parser.parse()
        if let (line, problem) = delegate.problem {
            result.issues.append((line, "not a valid feed: \(problem)"))
        } else if !parsed {
            result.issues.append((parser.lineNumber, "not a valid feed: malformed XML"))
        } else if let open = delegate.openElement {
            result.issues.append((parser.lineNumber, "not a valid feed: the document ends inside <\(open)>"))
        }
        result.title = delegate.feedTitle
        result.next = delegate.next
        let source = base.url.isFileURL ? "local" : (base.url.host ?? "web")
        for (number, entry) in delegate.entries.enumerated() {
            let name = entry.title.map { "'\($0)'" } ?? "\(number + 1)"
            guard let media = entry.media else {
                result.issues.append((entry.line, "entry \(name) has no media enclosure: skipped"))
                continue
            }
            switch base.resolve(media, isURIReference: true) {
            case .success(let url):
                var duration: Double?
                if let text = entry.duration {
                    duration = Self.duration(text)
                    if duration == nil { result.issues.append((entry.line, "entry \(name): itunes:duration '\(text)' is not a duration")) }
                }
                let creators = [entry.author ?? delegate.feedAuthor].compactMap { $0 }.filter { !$0.isEmpty }
                var found = PlaylistEntry(
                    url: url, title: entry.title, creators: creators, duration: duration, source: entry.id == nil ? nil : source,
                    line: entry.line, remoteID: entry.id)
                if let text = entry.published {
                    found.published = FeedDate.parse(text)
                    if found.published == nil { result.issues.append((entry.line, "entry \(name): '\(text)' is not a date (its publication date is left out)")) }
                }
                for (field, text) in [("itunes:episode", entry.episode), ("itunes:season", entry.season)] {
                    guard let text else { continue }
                    guard let number = Int(text.trimmingCharacters(in: .whitespaces)), number >= 0 else {
                        result.issues.append((entry.line, "entry \(name): \(field) '\(text)' is not a number (left out)"))
                        continue
                    }
                    if field == "itunes:episode" { found.episode = number } else { found.season = number }
                }
                result.entries.append(found)
            case .failure(let error):
                result.issues.append((entry.line, "entry \(name): \(error)"))
            }
        }
        return result
    }

    /// `itunes:duration` in any of its forms: seconds (`3600`, `3600.5`), `MM:SS`, `HH:MM:SS`.
    static func duration(_ text: String) -> Double? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var seconds = 0.0
        for (index, part) in parts.enumerated() {
            // Only the last part may have a fraction; minutes and seconds after the first stay below 60.
            guard let value = index == parts.count - 1 ? Double(part) : Double(Int(part) ?? -1), value >= 0, value.isFinite else { return nil }
            if index > 0, value >= 60 { return nil }
            seconds = seconds * 60 + value
        }
        return seconds
    }

    struct Entry {
        var line: Int
        var id, title, author, duration, media, published, episode, season: String?
        /// The media came from an enclosure (RSS or Atom): a `media:content` does not replace it.
        var mediaIsEnclosure = false
    }

    /// Collects entries; only the parser's thread touches it, during `parse()`.
    final class Delegate: NSObject, XMLParserDelegate {
        var entries: [Entry] = []
        var feedTitle: String?
        /// The first error, or end tag that closed another element than the open one.
        private(set) var problem: (line: Int, message: String)?
        var openElement: String? { elements.last }
        var feedAuthor: String?
        /// The feed's next page (RFC 5005): `<atom:link rel="next">` in an RSS channel, `<link rel="next">` in an Atom feed.
        var next: String?
        private var current: Entry?
        private var text = ""
        private var elements: [String] = []
        /// The base URL in effect inside each open element (`xml:base`, nested).
        private var bases: [URL]
        /// The open `<title>` is Atom text of type `html` or `xhtml` (its markup is dropped).
        private var titleIsHTML = false

        init(base: URL) {
            bases = [base]
        }

        private var baseURL: URL { bases.last! }

        private func resolved(_ reference: String) -> String {
            URL(string: reference, relativeTo: baseURL)?.absoluteString ?? reference
        }

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            bases.append(attributes["xml:base"].flatMap { URL(string: $0, relativeTo: baseURL)?.absoluteURL } ?? baseURL)
            elements.append(name)
            text = ""
            switch name {
            case "item", "entry":
                current = Entry(line: parser.lineNumber)
            case "enclosure" where current != nil:
                if let url = attributes["url"], current?.mediaIsEnclosure == false {
                    current?.media = resolved(url)
                    current?.mediaIsEnclosure = true
                }
            case "link" where current != nil && attributes["rel"] == "enclosure":
                if let href = attributes["href"], current?.mediaIsEnclosure == false {
                    current?.media = resolved(href)
                    current?.mediaIsEnclosure = true
                }
            case "media:content" where current != nil:
                let medium = attributes["medium"] ?? attributes["type"]?.split(separator: "/").first.map(String.init)
                if let url = attributes["url"], current?.media == nil, medium == nil || ["audio", "video"].contains(medium!) {
                    current?.media = resolved(url)
                }
            case "atom:link" where current == nil && attributes["rel"] == "next",
                "link" where current == nil && attributes["rel"] == "next" && elements.count == 2:
                if let href = attributes["href"], next == nil { next = resolved(href) }
            case "title":
                titleIsHTML = ["html", "xhtml"].contains(attributes["type"] ?? "")
            default:
                break
            }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) {
            guard problem == nil else { return }
            let code = (error as NSError).code
            problem = (parser.lineNumber, Self.libxml2Errors[code] ?? "malformed XML (libxml2 error \(code))")
        }

        /// The errors a broken feed usually has, by libxml2's `xmlParserErrors` code (which the
        /// parser passes on as its error code).
        static let libxml2Errors: [Int: String] = [
            4: "the document is empty", 5: "content after the end of the document",
            23: "an entity reference without its ';'", 26: "an undeclared entity", 68: "a name is required here (a bare '&' or '<'?)",
            73: "'>' is missing", 76: "an end tag that does not match the open element", 77: "an element is not closed",
            89: "an entity refers to itself", 104: "entities expand too much",
        ]

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            text += String(decoding: block, as: UTF8.self)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            var value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let open = elements.last, open != name, problem == nil {
                problem = (parser.lineNumber, "</\(name)> where </\(open)> was expected")
            }
            elements.removeLast()
            bases.removeLast()
            let parent = elements.last
            if name == "title", titleIsHTML { value = Self.plainText(value) }
            if ["item", "entry"].contains(name), let entry = current {
                entries.append(entry)
                current = nil
            } else if current != nil {
                switch (name, parent) {
                case ("guid", "item"), ("id", "entry"): current?.id = value.isEmpty ? nil : value
                case ("title", "item"), ("title", "entry"): current?.title = value
                case ("itunes:author", _), ("dc:creator", _): if current?.author == nil { current?.author = value }
                case ("name", "author"): if current?.author == nil { current?.author = value }
                case ("itunes:duration", _): current?.duration = value
                case ("pubDate", "item"), ("published", "entry"): current?.published = value
                case ("updated", "entry"), ("dc:date", _): if current?.published == nil { current?.published = value }
                case ("itunes:episode", _): current?.episode = value
                case ("itunes:season", _): current?.season = value
                default: break
                }
            } else {
                switch (name, parent) {
                case ("title", "channel"), ("title", "feed"): feedTitle = value
                case ("itunes:author", "channel"): feedAuthor = value
                case ("name", "author") where elements.count == 2: feedAuthor = feedAuthor ?? value
                default: break
                }
            }
            text = ""
        }

        /// Atom `type="html"` text without its markup (the entities were decoded by the parser).
        static func plainText(_ html: String) -> String {
            html.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
                .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
                .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
