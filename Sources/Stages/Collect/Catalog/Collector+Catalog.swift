public import Engine
import Foundation

/// `catalog:NAME` and `catalog:NAME/ID` inputs: web catalogs defined in `sources:`.
extension Collector {
    /// A catalog input: the source's name, and the collection it names (its id and, after a
    /// `#`, its title as the catalog listed it).
    struct CatalogInput {
        var source: String
        var collection: String?
        var title: String?

        init?(_ input: String) {
            guard input.lowercased().hasPrefix(CatalogSource.scheme) else { return nil }
            var rest = Substring(input.dropFirst(CatalogSource.scheme.count))
            if let hash = rest.firstIndex(of: "#") {
                title = String(rest[rest.index(after: hash)...])
                rest = rest[..<hash]
            }
            if let slash = rest.firstIndex(of: "/") {
                collection = String(rest[rest.index(after: slash)...]).removingPercentEncoding
                rest = rest[..<slash]
            }
            source = String(rest)
        }

        /// `catalog:NAME/ID#TITLE`, the id percent-encoded.
        static func text(source: String, collection: String, title: String?) -> String {
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove(charactersIn: "/#%")
            let id = collection.addingPercentEncoding(withAllowedCharacters: allowed) ?? collection
            return "\(CatalogSource.scheme)\(source)/\(id)" + (title.map { "#" + $0.replacingOccurrences(of: "\n", with: " ") } ?? "")
        }
    }

    static func isCatalog(_ input: String) -> Bool { CatalogInput(input) != nil }

    /// Collects a catalog input page by page from `input`'s checkpoint: a catalog of collections
    /// adds one `catalog:NAME/ID` input per collection; a collection's pages (or a source's
    /// without collections) give items.
    public func collectCatalog(_ input: JobInput, page: (CollectedPage) async throws -> Void) async throws {
        guard let parsed = CatalogInput(input.input), let source = sources.first(where: { $0.name == parsed.source }) else {
            let known = sources.map(\.name).joined(separator: ", ")
            let issue = SourceIssue(
                location: input.input, message: "no catalog source named '\(CatalogInput(input.input)?.source ?? "")' (sources: \(known.isEmpty ? "none defined" : known))")
            try await page(CollectedPage(items: [], issues: [issue]))
            return
        }
        guard let fetcher else {
            try await page(CollectedPage(items: [], issues: [SourceIssue(location: input.input, message: "catalogs need a downloader")]))
            return
        }
        let pager = CatalogPager(source: source, fetcher: fetcher, environment: ProcessInfo.processInfo.environment)
        let collectionsLevel = parsed.collection == nil ? source.collections : nil
        let level = collectionsLevel ?? source.items
        // The checkpoint: entries read so far (the next item's position follows them), a
        // space, and the pager's own (page number, offset or cursor).
        let saved = input.checkpoint.map { $0.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false) }
        var position = saved.flatMap { Int($0[0]) } ?? 0
        try await pager.run(
            level, collection: parsed.collection, from: saved.flatMap { $0.count == 2 ? String($0[1]) : nil }, pagesRead: input.pages
        ) { read in
            var issues = read.issues.map { SourceIssue(location: input.input, message: $0) }
            var items: [MediaItem] = [], inputs: [String] = []
            for (index, entry) in read.entries.enumerated() {
                let fields = level.fields
                guard let id = fields["id"].flatMap({ JSONPath.text(JSONPath.value($0, in: entry)) }), !id.isEmpty else {
                    issues.append(SourceIssue(location: input.input, message: "page entry \(index + 1) has no id ('\(fields["id"] ?? "id")'): skipped"))
                    continue
                }
                let title = fields["title"].flatMap { JSONPath.text(JSONPath.value($0, in: entry)) }
                if collectionsLevel != nil {
                    inputs.append(CatalogInput.text(source: source.name, collection: id, title: title))
                    continue
                }
                switch Self.catalogItem(entry, id: id, title: title, source: source, level: level, input: parsed, pageURL: read.url) {
                case .success(let item):
                    position += 1
                    var item = item
                    item.position = position
                    items.append(item)
                case .failure(let problem):
                    issues.append(SourceIssue(location: input.input, message: "entry '\(id)': \(problem.message)"))
                }
            }
            try await page(
                CollectedPage(
                    items: items, issues: issues, inputs: inputs, checkpoint: read.next.map { "\(position) \($0)" }, isPage: read.wasRead,
                    error: read.failed ? read.issues.first : nil))
        }
    }

    struct EntryProblem: Error {
        let message: String
    }

    /// One item of a collection's page, by the level's field mapping.
    static func catalogItem(
        _ entry: JSONValue, id: String, title: String?, source: CatalogSource, level: CatalogSource.Level, input: CatalogInput, pageURL: URL?
    ) -> Result<MediaItem, EntryProblem> {
        func text(_ field: String) -> String? { level.fields[field].flatMap { JSONPath.text(JSONPath.value($0, in: entry)) } }
        guard let reference = text("url"), !reference.isEmpty else { return .failure(EntryProblem(message: "no url ('\(level.fields["url"]!)'): skipped")) }
        guard let url = URL(string: reference, relativeTo: pageURL)?.absoluteURL,
            ["http", "https"].contains(url.scheme?.lowercased() ?? "")  // never a local file or a bucket of the user's own
        else {
            return .failure(EntryProblem(message: "url '\(Redaction.url(reference))' is not an http(s) URL: skipped"))
        }
        let creators = level.fields["creators"].map { path in JSONPath.values(path, in: entry).compactMap(JSONPath.text) } ?? []
        var duration = level.fields["duration"].flatMap { JSONPath.number(JSONPath.value($0, in: entry), in: 0...1e10) }
        if level.durationInMilliseconds { duration = duration.map { $0 / 1000 } }
        if let seconds = duration, seconds > 1e7 { duration = nil }  // no media lasts four months
        let locator = input.collection.map { CatalogInput.text(source: source.name, collection: $0, title: nil) }
            ?? CatalogSource.scheme + source.name
        let collection = CollectionRef(kind: .playlist, locator: locator, title: text("collection") ?? input.title ?? input.collection ?? source.name)
        return .success(Collector.item(
            url: url.absoluteString,
            entry: PlaylistEntry(url: url.absoluteString, title: title, creators: creators, duration: duration, source: source.name, line: 0, remoteID: id),
            collection: collection, position: nil))
    }

    /// A whole catalog input in memory (`engine collect`): every page of every collection.
    func collectCatalogWhole(_ input: String) async -> Collected {
        var collected = Collected(), pending = [JobInput(position: 0, input: input, done: false)], known: Set<String> = [input]
        while !pending.isEmpty {
            let next = pending.removeFirst()
            try? await collectCatalog(next) { page in
                collected.items += page.items
                collected.issues += page.issues
                for added in page.inputs where known.insert(added).inserted {
                    pending.append(JobInput(position: known.count, input: added, done: false))
                }
            }
        }
        return collected
    }
}
