public import Engine
import Foundation

/// Turns inputs (playlist files or URLs, folders, media files or URLs) into items.
/// Malformed entries become issues naming the input and line; they never stop collection.
public struct Collector: Sendable {
    /// Fetches remote playlists, feeds and their pages (nil: remote playlists are refused).
    let fetcher: PageFetcher?
    /// The backends `s3://BACKEND/PREFIX` inputs list (nil: such inputs are refused).
    let objectStores: ObjectStores?
    /// A paged feed is followed for at most this many pages.
    public var feedPageLimit = 100
    /// Web catalogs for `catalog:NAME` inputs (`sources:` in a graph or config file).
    public var sources: [CatalogSource] = []

    public init(fetcher: PageFetcher? = nil, objectStores: ObjectStores? = nil, sources: [CatalogSource] = []) {
        self.fetcher = fetcher
        self.objectStores = objectStores
        self.sources = sources
    }

    /// What an input named: its items in order, and the problems with its entries.
    public struct Collected: Sendable {
        public var items: [MediaItem] = []
        public var issues: [SourceIssue] = []
    }

    public func collect(_ input: String) async -> Collected {
        if Self.isCatalog(input) { return await collectCatalogWhole(input) }
        if ObjectURL(input) != nil {
            guard let objectStores else {
                return Collected(issues: [SourceIssue(location: input, message: "s3:// inputs need a backend (`engine backend add s3 …`)")])
            }
            return await BucketCollector(objectStores: objectStores).collect(input)
        }
        // `feed:https://…` (and `feed://host/…`, as browsers hand podcast links over): a feed
        // whatever its URL looks like.
        if input.lowercased().hasPrefix("feed:") {
            let rest = String(input.dropFirst(5))
            return await collectURL(rest.hasPrefix("//") ? "http:" + rest : rest, input: input, isFeed: true)
        }
        if PlaylistBase.scheme(of: input) != nil, !input.lowercased().hasPrefix("file:") {
            return await collectURL(input, input: input, isFeed: false)
        }
        // Reading playlists and walking folders blocks: off the cooperative pool.
        do {
            return try await BlockingIO.run { self.collectLocal(input) }
        } catch {
            return Collected(issues: [SourceIssue(location: input, message: "not collected: \(error)")])
        }
    }

    private func collectLocal(_ input: String) -> Collected {
        let path = input.lowercased().hasPrefix("file:") ? (URL(string: input)?.path ?? input) : input
        let url = URL(fileURLWithPath: path).standardized
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            return Collected(issues: [SourceIssue(location: input, message: "no such file or directory")])
        }
        if isDirectory.boolValue { return scanFolder(url, input: input) }
        if let kind = (try? FileKind.special(url.path)) ?? nil {  // a FIFO would block the sniff; /dev/zero never ends
            return Collected(issues: [SourceIssue(location: input, message: "is a \(kind), not a media file or playlist")])
        }
        if MediaExtensions.all.contains(url.path.fileExtension) {
            return Collected(items: [Self.item(url: url.absoluteString, entry: nil, collection: nil, position: nil)])
        }
        let format: PlaylistFormat
        do {
            if let byExtension = PlaylistFormat.detect(path: url.path) {
                format = byExtension
            } else {
                // Sniff the head only: a large media file with an unlisted extension is not read.
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                let head = try handle.read(upToCount: 64 << 10) ?? Data()
                guard let sniffed = PlaylistFormat.detect(path: url.path, content: String(decoding: head, as: UTF8.self)) else {
                    // Not a playlist we know: one media file; the probe will say if it is not.
                    return Collected(items: [Self.item(url: url.absoluteString, entry: nil, collection: nil, position: nil)])
                }
                format = sniffed
            }
        } catch {
            return Collected(issues: [SourceIssue(location: input, message: "cannot read: \(Self.reason(error))")])
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            return Collected(issues: [SourceIssue(location: input, message: "cannot read: \(Self.reason(error))")])
        }
        // UTF-8, else Latin-1: the traditional encoding of .m3u and .pls files.
        let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) ?? ""
        return Self.items(from: format.parse(text, base: PlaylistBase(url: url)), format: format, input: input, locator: url.path)
    }

    private func collectURL(_ address: String, input: String, isFeed: Bool) async -> Collected {
        switch PlaylistBase(url: URL(fileURLWithPath: "/")).resolve(address) {
        case .failure(let error):
            return Collected(issues: [SourceIssue(location: input, message: "\(error)")])
        case .success(let absolute):
            // A `.xml` URL is a feed or an XSPF playlist: its content says which.
            guard let url = URL(string: absolute), isFeed || PlaylistFormat.detect(path: url.path) != nil || url.path.fileExtension == "xml"
            else {
                return Collected(items: [Self.item(url: absolute, entry: nil, collection: nil, position: nil)])
            }
            guard let fetcher else {
                return Collected(issues: [SourceIssue(location: input, message: "remote playlists need a downloader")])
            }
            do {
                let text = try await fetcher.fetch(url, conditional: true).text
                guard let format = isFeed ? .feed : PlaylistFormat.detect(path: url.path, content: text) else {
                    return Collected(issues: [SourceIssue(location: input, message: "neither a feed nor an XSPF playlist")])
                }
                var playlist = format.parse(text, base: PlaylistBase(url: url))
                if format == .feed { await followPages(of: &playlist, from: url, fetcher: fetcher) }
                return Self.items(from: playlist, format: format, input: input, locator: absolute)
            } catch {
                return Collected(issues: [SourceIssue(location: input, message: "cannot fetch playlist: \(error)")])
            }
        }
    }

    /// A paged feed (RFC 5005): each `next` page's entries after the first page's, until a
    /// page has no `next`, names one already read, or `feedPageLimit` pages were read. A page
    /// that cannot be fetched or read ends the feed there, with an issue naming it.
    private func followPages(of playlist: inout ParsedPlaylist, from first: URL, fetcher: PageFetcher) async {
        var seen: Set<String> = [first.absoluteString]
        var pages = 1
        while let next = playlist.next {
            playlist.next = nil
            guard seen.insert(next).inserted else { break }
            guard pages < feedPageLimit else {
                playlist.issues.append((0, "the feed has more than \(feedPageLimit) pages: stopped before \(Redaction.url(next))"))
                break
            }
            // A remote feed's pages are remote too: never a local file it names.
            let allowed = first.isFileURL ? ["http", "https", "file"] : ["http", "https"]
            guard let url = URL(string: next), allowed.contains(url.scheme?.lowercased() ?? "") else {
                playlist.issues.append((0, "page \(pages + 1): '\(Redaction.url(next))' is not an http(s) URL"))
                break
            }
            do {
                let page = FeedParser.parse(try await fetcher.fetch(url, conditional: true).text, base: PlaylistBase(url: url))
                pages += 1
                let shown = Redaction.url(next)
                playlist.entries += page.entries.map { entry in
                    var entry = entry
                    entry.line = 0  // a line of another document: the page is named in its issues instead
                    return entry
                }
                playlist.issues += page.issues.map { (0, "\(shown):\($0.line): \($0.message)") }
                playlist.next = page.next
            } catch {
                playlist.issues.append((0, "page \(pages + 1): cannot fetch: \(error)"))
                break
            }
        }
    }

    private static func items(from playlist: ParsedPlaylist, format: PlaylistFormat, input: String, locator: String) -> Collected {
        let name = URL(fileURLWithPath: locator).deletingPathExtension().lastPathComponent
        let kind: CollectionRef.Kind = switch format {
        case .plainList: .list
        case .feed: .feed
        default: .playlist
        }
        let collection = CollectionRef(kind: kind, locator: locator, title: playlist.title ?? name)
        var collected = Collected()
        collected.items = playlist.entries.enumerated().map { index, entry in
            item(url: entry.url, entry: entry, collection: collection, position: index + 1)
        }
        collected.issues = playlist.issues.map {
            SourceIssue(location: $0.line > 0 ? "\(input):\($0.line)" : input, message: $0.message)
        }
        return collected
    }

    private func scanFolder(_ root: URL, input: String) -> Collected {
        var collected = Collected()
        let collection = CollectionRef(kind: .folder, locator: root.path, title: root.lastPathComponent)
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles],
            errorHandler: { url, error in
                collected.issues.append(SourceIssue(location: url.path, message: "cannot read: \(Self.reason(error))"))
                return true
            })
        else {
            return Collected(issues: [SourceIssue(location: input, message: "cannot read folder")])
        }
        var files: [URL] = []
        for case let url as URL in enumerator where MediaExtensions.all.contains(url.path.fileExtension) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(url) }
        }
        files.sort { $0.path.localizedStandardCompare($1.path) == .orderedAscending }
        collected.items = files.enumerated().map { index, url in
            Self.item(url: url.standardized.absoluteString, entry: nil, collection: collection, position: index + 1)
        }
        return collected
    }

    /// The item a URL names. Its identity (`remote_id`, so its key) shows no secret: a URL with
    /// a password or token is kept as its redacted form and a hash of the whole.
    static func item(url: String, entry: PlaylistEntry?, collection: CollectionRef?, position: Int?) -> MediaItem {
        let parsed = URL(string: url)
        let source = entry?.source ?? (parsed?.isFileURL == false ? (parsed?.host ?? "web") : "local")
        let shown = Redaction.url(url)
        let fileName = parsed.map { $0.deletingPathExtension().lastPathComponent } ?? shown
        let title = entry?.title.flatMap { $0.isEmpty ? nil : $0 }
        // A URL whose secrets were masked keeps a short hash of itself: two files behind
        // different keys stay two items.
        let remoteID = entry?.remoteID.map { Redaction.scrub($0) == $0 ? $0 : Redaction.scrub($0) + " ~" + Self.shortHash($0) }
            ?? (shown == url ? url : shown + " ~" + Self.shortHash(url))
        var item = MediaItem(
            source: source, remoteID: remoteID, title: title ?? (fileName.isEmpty ? shown : fileName),
            titleIsFileName: title == nil, creators: entry?.creators ?? [], collection: collection, position: position,
            durationHint: entry?.duration, url: url)
        item.published = entry?.published
        item.episode = entry?.episode
        item.season = entry?.season
        return item
    }

    /// 12 hex digits of the SHA-256 of `text`.
    static func shortHash(_ text: String) -> String {
        guard let digest = try? SHA256Digest.of(Array(text.utf8)) else { return "0" }
        return String(digest.hex.prefix(12))
    }

    static func reason(_ error: any Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(errno: Int32(posix.code))
        }
        return (error as NSError).localizedDescription
    }
}
