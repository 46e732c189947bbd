import Engine
import Foundation
import Hummingbird

/// `/failed[?job=&kind=&source=]`: failed items with their last error and tries, filtered by
/// job, error kind and source; retry a selection, or everything the filter matches (the count
/// is on the button and confirmed before anything happens).
enum FailedPage {
    static func render(_ backend: ConsoleBackend, request: Request) async throws -> Response {
        let filter = try FailedRoutes.filter(request)
        let page = try await backend.store.failedItems(filter, limit: 500)
        let title = filter.jobID.map { "Failed items of job \($0)" } ?? "Failed items"
        return Layout.page(
            title: title, tab: .failed, backend: backend, events: filter.jobID.map { "/api/events?job=\($0)" } ?? "/api/events", refreshOn: "job overflow",
            body: """
                <section class="card"><h2>\(title)</h2>\(form(filter, page))</section>
                <div id="live" data-live="\(liveURL(filter))">\(live(filter, page))</div>
                """)
    }

    static func fragment(_ backend: ConsoleBackend, request: Request) async throws -> Response {
        let filter = try FailedRoutes.filter(request)
        return Layout.fragment(live(filter, try await backend.store.failedItems(filter, limit: 500)))
    }

    static func liveURL(_ filter: FailedItemFilter) -> String {
        var query = ["fragment=1"]
        if let job = filter.jobID { query.append("job=\(job)") }
        if let kind = filter.kind { query.append("kind=\(Layout.percentEncoded(kind))") }
        if let source = filter.source { query.append("source=\(Layout.percentEncoded(source))") }
        return "/failed?" + query.joined(separator: "&")
    }

    static func form(_ filter: FailedItemFilter, _ page: FailedItemsPage) -> HTML {
        func options(_ counts: [(name: String, count: Int)], _ selected: String?) -> HTML {
            HTML(joining: ["<option value=\"\">all</option>"] + counts.map {
                "<option value=\"\($0.name)\"\($0.name == selected ? " selected" : "")>\($0.name) (\($0.count))</option>"
            })
        }
        return """
            <form method="get" action="/failed" class="row filters">
            <label>Job <input name="job" type="number" min="1" value="\(filter.jobID.map(String.init) ?? "")" placeholder="all"></label>
            <label>Error kind <select name="kind">\(options(page.byKind, filter.kind))</select></label>
            <label>Source <select name="source">\(options(page.bySource, filter.source))</select></label>
            <button type="submit">Filter</button></form>
            """
    }

    static func live(_ filter: FailedItemFilter, _ page: FailedItemsPage) -> HTML {
        let rows = page.items.map { item -> HTML in
            """
            <tr><td><input type="checkbox" class="pick" value="\(item.id)" aria-label="select"></td>\
            <td class="num"><a href="/jobs/\(item.jobID)">\(item.jobID)</a></td>\
            <td class="title">\(item.title)<small class="muted"> \(Redaction.scrub(item.itemKey))</small></td><td>\(item.source)</td>\
            <td><span class="badge kind">\(item.kind ?? "other")</span></td><td class="error">\(Redaction.scrub(item.error))</td>\
            <td class="num">\(item.attempts)</td><td>\(Layout.time(item.finishedAt))</td></tr>
            """
        }
        let scope = FailedRoutes.Scope(filter: filter, expected: page.total)
        return """
            <section class="card"><div class="actions">
            <button type="button" class="primary" data-retry-selected="/api/failed/retry" disabled>Retry selected (<span data-selected>0</span>)</button>
            <button type="button" data-post="/api/failed/retry" data-body="\(scope.json)" \
            data-confirm="Retry all \(page.total) failed item(s) this filter matches?"\(page.total == 0 ? " disabled" : "")>Retry all \(page.total) matching</button>
            </div>
            <table class="failed"><thead><tr><th><input type="checkbox" class="pick-all" aria-label="select all shown"></th><th class="num">Job</th>\
            <th>Item</th><th>Source</th><th>Kind</th><th>Last error</th><th class="num">Tries</th><th>Failed</th></tr></thead>
            <tbody>\(rows.isEmpty ? "<tr><td colspan=\"8\" class=\"muted\">Nothing failed. </td></tr>" : HTML(joining: rows))</tbody></table>
            \(page.total > page.items.count ? "<p class=\"muted\">Showing \(page.items.count) of \(page.total).</p>" as HTML : "")
            </section>
            """
    }
}

extension FailedRoutes {
    /// A "retry everything the filter matches" request body, with the count shown.
    struct Scope {
        var filter: FailedItemFilter
        var expected: Int

        var json: String {
            var members: [(String, JSONValue)] = [("expected", .int(Int64(expected)))]
            if let job = filter.jobID { members.append(("job", .int(job))) }
            if let kind = filter.kind { members.append(("kind", .string(kind))) }
            if let source = filter.source { members.append(("source", .string(source))) }
            return JSONValue.object(members.map { (key: $0.0, value: $0.1) }).serialized(pretty: false)
        }
    }
}
