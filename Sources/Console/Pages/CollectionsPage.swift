import Engine
import Foundation
import Hummingbird

/// `/collections`: the catalog's collections filtered by source, kind, status, keyword and the
/// wanted list, paged; select rows (this page, or all matching) and download them (adaptively)
/// or add them to / remove them from the wanted list.
enum CollectionsPage {
    static let perPage = 50

    static func render(_ backend: ConsoleBackend, request: Request) async throws -> Response {
        let filter = try CollectionRoutes.filter(request)
        let pageNumber = try ConsoleRoutes.queryInt(request, "page", default: 1, range: 1...1_000_000)
        let page = try await backend.store.collections(filter, limit: perPage, offset: (pageNumber - 1) * perPage)
        return Layout.page(
            title: "Collections", tab: .collections, backend: backend, events: "/api/events", refreshOn: "job overflow",
            body: """
                <section class="card"><h2>Collections</h2>\(form(filter, sources: page.sources))</section>
                <div id="live" data-live="\(query(filter, page: pageNumber, fragment: true))">\(live(filter, page, pageNumber))</div>
                """)
    }

    static func fragment(_ backend: ConsoleBackend, request: Request) async throws -> Response {
        let filter = try CollectionRoutes.filter(request)
        let pageNumber = try ConsoleRoutes.queryInt(request, "page", default: 1, range: 1...1_000_000)
        return Layout.fragment(live(filter, try await backend.store.collections(filter, limit: perPage, offset: (pageNumber - 1) * perPage), pageNumber))
    }

    static func query(_ filter: CollectionFilter, page: Int, fragment: Bool = false) -> String {
        var parts: [String] = fragment ? ["fragment=1"] : []
        if let source = filter.source { parts.append("source=\(Layout.percentEncoded(source))") }
        if let kind = filter.kind { parts.append("kind=\(Layout.percentEncoded(kind))") }
        if let status = filter.status { parts.append("status=\(status.rawValue)") }
        if let keyword = filter.keyword { parts.append("q=\(Layout.percentEncoded(keyword))") }
        if filter.wantedOnly { parts.append("wanted_only=true") }
        if page > 1 { parts.append("page=\(page)") }
        return "/collections" + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&"))
    }

    static func form(_ filter: CollectionFilter, sources: [String]) -> HTML {
        func options(_ values: [String], _ selected: String?) -> HTML {
            HTML(joining: ["<option value=\"\">all</option>"] + values.map { "<option value=\"\($0)\"\($0 == selected ? " selected" : "")>\($0.replacingOccurrences(of: "_", with: " "))</option>" })
        }
        return """
            <form method="get" action="/collections" class="row filters">
            <label>Search <input name="q" value="\(filter.keyword)" placeholder="title or locator"></label>
            <label>Source <select name="source">\(options(sources, filter.source))</select></label>
            <label>Kind <select name="kind">\(options(["playlist", "feed", "folder", "prefix", "list"], filter.kind))</select></label>
            <label>Status <select name="status">\(options(CollectionStatus.allCases.map(\.rawValue), filter.status?.rawValue))</select></label>
            <label class="check"><input type="checkbox" name="wanted_only" value="true"\(filter.wantedOnly ? " checked" : "")> wanted only</label>
            <button type="submit">Filter</button></form>
            """
    }

    static func live(_ filter: CollectionFilter, _ page: CollectionList, _ number: Int) -> HTML {
        let rows = page.rows.map { row -> HTML in
            """
            <tr data-collection="\(Int(row.id))"><td><input type="checkbox" class="pick" value="\(Int(row.id))" aria-label="select"></td>\
            <td class="title">\(row.title ?? Redaction.url(row.locator))\(row.wanted ? " <span class=\"badge wanted\">wanted</span>" as HTML : "")\
            <small class="muted"> \(Redaction.url(row.locator))</small></td><td>\(row.source)</td><td>\(row.kind)</td>\
            <td>\(Layout.status(row.status.rawValue))</td><td class="num">\(row.downloaded) / \(row.total)</td>\
            <td>\(Layout.progress(row.downloaded, row.total))</td><td>\(exportAction(row))</td></tr>
            """
        }
        let scope = CollectionRoutes.Scope(filter: filter, expected: page.total)
        let pages = max(1, (page.total + perPage - 1) / perPage)
        let previous: HTML = number > 1 ? "<a href=\"\(query(filter, page: number - 1))\">← previous</a>" : ""
        let next: HTML = number < pages ? "<a href=\"\(query(filter, page: number + 1))\">next →</a>" : ""
        return """
            <section class="card"><div class="actions" data-selection-actions data-scope="\(scope.json)" data-total="\(page.total)">
            <label class="check"><input type="checkbox" class="all-matching"> all \(page.total) matching</label>
            <button type="button" class="primary" data-act="/api/collections/download" disabled>Download selected (<span data-selected>0</span>)</button>
            <button type="button" data-act="/api/collections/export-zip" data-export="true" disabled>Export ZIP (<span data-selected>0</span>)</button>
            <button type="button" data-act="/api/collections/wanted" data-wanted="true" disabled>Add to wanted</button>
            <button type="button" data-act="/api/collections/wanted" data-wanted="false" disabled>Remove from wanted</button>
            </div>
            <table class="collections"><thead><tr><th><input type="checkbox" class="pick-all" aria-label="select this page"></th><th>Collection</th>\
            <th>Source</th><th>Kind</th><th>Status</th><th class="num">Downloaded</th><th>Progress</th><th>Export</th></tr></thead>
            <tbody>\(rows.isEmpty ? "<tr><td colspan=\"8\" class=\"muted\">No collection matches.</td></tr>" : HTML(joining: rows))</tbody></table>
            <nav class="pages">\(previous) <span class="muted">page \(number) of \(pages) · \(page.total) collection(s)</span> \(next)</nav>
            </section>
            """
    }

    /// A complete collection downloads as a ZIP; another one's Export queues the job that completes it.
    static func exportAction(_ row: CollectionRow) -> HTML {
        if row.status == .downloaded {
            return "<a class=\"button\" href=\"/api/collections/\(Int(row.id))/export.zip\" download>ZIP</a>"
        }
        return "<button type=\"button\" data-post=\"/api/collections/export-zip\" data-body='{\"ids\":[\(Int(row.id))]}'>Export</button>"
    }
}

extension CollectionRoutes {
    /// A request body for "everything the filter matches", with the count shown.
    struct Scope {
        var filter: CollectionFilter
        var expected: Int

        var json: String {
            var members: [(key: String, value: JSONValue)] = []
            if let source = filter.source { members.append(("source", .string(source))) }
            if let kind = filter.kind { members.append(("kind", .string(kind))) }
            if let status = filter.status { members.append(("status", .string(status.rawValue))) }
            if let keyword = filter.keyword { members.append(("q", .string(keyword))) }
            if filter.wantedOnly { members.append(("wanted_only", .bool(true))) }
            return JSONValue.object([("filter", .object(members)), ("expected", .int(Int64(expected)))]).serialized(pretty: false)
        }
    }
}
