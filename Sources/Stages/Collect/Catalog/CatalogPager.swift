import Engine
import Foundation

/// Pages through one level of a catalog source. Paging stops when the source says there is no
/// more (`has_more` false, no next cursor; without `has_more`, an empty page), when a whole page
/// repeats entries this run already read, when a cursor comes back, at `max_pages`, or at the
/// first page that cannot be fetched or read (an issue names it, and the page is kept for a
/// retry): it never loops.
struct CatalogPager: Sendable {
    let source: CatalogSource
    let fetcher: PageFetcher
    /// `$NAME` header values come from here (an API key is never written in a file).
    let environment: [String: String]

    struct Page {
        /// The entries not read before in this run, with the page's URL (relative URLs resolve against it).
        var entries: [JSONValue]
        var url: URL?
        /// The next page's checkpoint; nil: the level is done.
        var next: String?
        var issues: [String]
        /// A page was read (counted); false for a stop that read nothing.
        var wasRead = true
        /// The page could not be fetched or read: `next` is that page, for a retry.
        var failed = false
    }

    /// Pages `level` from `checkpoint` (nil: the first page), `pagesRead` already counted against
    /// `max_pages`. The last page handed to `page` has no next.
    func run(
        _ level: CatalogSource.Level, collection: String?, from checkpoint: String?, pagesRead: Int, page: (Page) async throws -> Void
    ) async throws {
        var position = checkpoint ?? (level.paging == .page ? String(level.start) : level.paging == .offset ? "0" : "")
        var read = pagesRead, seen: Set<String> = [], cursors: Set<String> = [position]
        let headers: [(String, String)]
        do {
            headers = try JSONEndpoint.headers(level.headers, environment: environment)
        } catch {
            try await page(Page(entries: [], next: position, issues: ["\(error)"], wasRead: false, failed: true))
            return
        }
        while true {
            try Task.checkCancellation()
            guard read < level.maxPages else {
                try await page(Page(entries: [], next: nil, issues: ["stopped at max_pages (\(level.maxPages) pages)"], wasRead: false))
                return
            }
            let number = read + 1
            guard let url = URL(string: expand(level, position: position, collection: collection)) else {
                try await page(Page(entries: [], next: nil, issues: ["page \(number): the URL template makes no URL"], wasRead: false))
                return
            }
            let document: JSONValue
            do {
                let text = try await fetcher.fetch(url, headers: headers).text
                document = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            } catch let error as CancellationError {
                throw error
            } catch {
                let reason = error is DecodingError ? "not JSON" : "\(error)"
                try await page(Page(entries: [], next: position, issues: ["page \(number): \(reason)"], wasRead: false, failed: true))
                return
            }
            guard case .array(let entries)? = level.list.isEmpty ? document : JSONPath.value(level.list, in: document) else {
                try await page(Page(entries: [], url: url, next: position, issues: ["page \(number): no list at '\(level.list)'"], wasRead: false, failed: true))
                return
            }
            read = number
            let idPath = level.fields["id"] ?? "id"
            let fresh = entries.filter { entry in JSONPath.text(JSONPath.value(idPath, in: entry)).map { seen.insert($0).inserted } ?? true }
            if !entries.isEmpty, fresh.isEmpty {
                try await page(Page(entries: [], url: url, next: nil, issues: ["page \(number) repeats entries already read: paging stopped"]))
                return
            }
            var more = !entries.isEmpty
            if let hasMore = level.hasMore { more = more && JSONPath.bool(JSONPath.value(hasMore, in: document)) == true }
            switch level.paging {
            case .page: position = String((Int(position) ?? level.start) + 1)
            case .offset: position = String((Int(position) ?? 0) + entries.count)
            case .cursor:
                let next = level.nextCursor.flatMap { JSONPath.text(JSONPath.value($0, in: document)) } ?? ""
                more = more && !next.isEmpty && cursors.insert(next).inserted
                position = next
            }
            try await page(Page(entries: fresh, url: url, next: more ? position : nil, issues: []))
            if !more { return }
        }
    }

    /// The template with each placeholder's value, URL-encoded.
    func expand(_ level: CatalogSource.Level, position: String, collection: String?) -> String {
        var values = ["{limit}": String(level.pageSize), "{collection}": collection ?? ""]
        switch level.paging {
        case .page: values["{page}"] = position
        case .offset: values["{offset}"] = position
        case .cursor: values["{cursor}"] = position
        }
        return JSONEndpoint.fill(level.url, values)
    }
}
