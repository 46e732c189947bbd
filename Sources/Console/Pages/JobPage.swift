import Engine
import Foundation
import Hummingbird

/// `/jobs/{id}`: the job's card (commands, counters, stages, running items), its workers and
/// events, and the tree job → collection → item; a collection's items load when it is opened
/// and stay open across live refreshes (the script re-opens them).
enum JobPage {
    static func render(_ backend: ConsoleBackend, id: Int64) async throws -> Response {
        guard let view = try await JobView.recent(backend, id: id) else { throw HTTPError(.notFound, message: "no job \(id)") }
        return Layout.page(
            title: "Job \(id)", tab: .none, backend: backend, events: "/api/events?job=\(id)",
            body: "<div id=\"live\" data-live=\"/jobs/\(id)?fragment=1\">\(live(view))</div>")
    }

    static func fragment(_ backend: ConsoleBackend, id: Int64) async throws -> Response {
        guard let view = try await JobView.recent(backend, id: id) else { throw HTTPError(.notFound, message: "no job \(id)") }
        return Layout.fragment(live(view))
    }

    static func live(_ view: JobView) -> HTML {
        let id = view.job.id
        let workers = view.workers.map { worker -> HTML in
            "<tr><td>\(worker.id)</td><td>\(worker.host)</td><td class=\"num\">\(Int(worker.pid))</td><td>\(Layout.time(worker.heartbeatAt))</td><td>\(view.current(worker) ?? "–")</td><td class=\"num\">\(Format.rate(worker.bytesPerSecond))</td></tr>"
        }
        let events = view.events.reversed().map { event -> HTML in
            "<li data-event=\"\(event.id)\"><span class=\"muted\">\(Layout.time(event.at))</span> <b>\(event.kind)</b> \(event.message)</li>"
        }
        let collections = view.collections.enumerated().map { index, row -> HTML in
            """
            <tbody class="collection" data-collection="\(index)" data-items="/jobs/\(id)/items?collection=\(index)">
            <tr class="collection-row"><td><button type="button" class="toggle" aria-expanded="false" title="show items">▸</button> \
            <span class="title">\(row.title.isEmpty ? "(no collection)" : row.shownTitle)</span></td>\
            <td class="num">\(row.done) / \(row.total)</td><td>\(Layout.progress(row.done, row.total, failed: row.failed))</td>\
            <td class="num">\(row.running)</td><td class="num\(row.failed > 0 ? " bad" : "")">\(row.failed)</td></tr></tbody>
            """
        }
        return """
            \(DashboardPage.activeJob(view.active, link: false))
            <section class="card"><h2>Collections and items</h2>
            <table class="tree"><thead><tr><th>Collection</th><th class="num">Done</th><th>Progress</th><th class="num">Running</th>\
            <th class="num">Failed</th></tr></thead>\(collections.isEmpty ? "<tbody><tr><td colspan=\"5\" class=\"muted\">nothing collected yet</td></tr></tbody>" : HTML(joining: collections))</table></section>
            <div class="split">
            <section class="card"><h2>Workers</h2><table><thead><tr><th>Worker</th><th>Host</th><th class="num">PID</th><th>Heartbeat</th>\
            <th>Current item</th><th class="num">Rate</th></tr></thead><tbody>\(workers.isEmpty ? "<tr><td colspan=\"6\" class=\"muted\">no worker holds this job</td></tr>" : HTML(joining: workers))</tbody></table></section>
            <section class="card"><h2>Events</h2><ol class="events">\(HTML(joining: events))</ol></section>
            </div>
            """
    }

    /// The items of one collection of the job, as rows under its collection row.
    static func items(_ backend: ConsoleBackend, id: Int64, request: Request) async throws -> Response {
        let items = try await JobRoutes.items(backend.store, id: id, request: request)
        let rows = items.map { item -> HTML in
            let retryable = [.failed, .canceled].contains(item.status)
            return """
                <tr class="item" data-item="\(Redaction.scrub(item.itemKey))"><td class="title">\(item.title)<small class="muted"> \(Redaction.scrub(item.itemKey))</small>\
                \(item.error.map { "<div class=\"error\">\(item.kind.map { "[\($0)] " } ?? "")\(Redaction.scrub($0))</div>" as HTML } ?? "")</td>\
                <td>\(Layout.status(item.status.rawValue))\(item.status == .running ? item.step.map { " <small>\($0)</small>" as HTML } ?? "" : "")</td>\
                <td class="num">\(item.attempts) tries</td><td class="where">\(item.storedAt ?? "–")</td>\
                <td class="actions">\(Layout.button("Retry", "/api/jobs/\(id)/retry?id=\(item.id)", disabled: !retryable))\
                \(Layout.button("Force retry", "/api/jobs/\(id)/retry?id=\(item.id)&force=true", confirm: "Do \(item.title) again from the start?"))</td></tr>
                """
        }
        return Layout.fragment(HTML(joining: rows))
    }
}
