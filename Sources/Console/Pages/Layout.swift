import Engine
import Foundation
import Hummingbird

/// The frame of every page (navigation, the CSRF token, the one script and style sheet) and
/// the small parts pages share.
enum Layout {
    enum Tab: String { case dashboard, failed, collections, none }

    /// `live`: the URL of the page's live region (`?fragment=1`), refreshed when the event
    /// stream (`events`) says something changed.
    /// `refreshOn`: the event kinds after which the live region is fetched again.
    static func page(
        title: String, tab: Tab, backend: ConsoleBackend, events: String?, refreshOn: String = "job progress job-event overflow", body: HTML
    ) -> Response {
        let runner = backend.runner()
        let html: HTML = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="\(backend.security.csrfToken)">
            <title>\(title) · MediaEngine</title><link rel="icon" href="data:,">
            <link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head>
            <body\(events.map { " data-events=\"\($0)\" data-refresh-on=\"\(refreshOn)\"" as HTML } ?? "")>
            <header class="top"><a class="brand" href="/">MediaEngine</a>
            <nav>\(link("/", "Dashboard", tab == .dashboard))\(link("/failed", "Failed", tab == .failed))\(link("/collections", "Collections", tab == .collections))</nav>
            <span class="runner runner-\(runner.state.rawValue)" title="\(runner.lastError.map(Redaction.scrub) ?? "")">runner: \(runner.state.rawValue)</span>
            <span id="stream" class="stream" title="live updates">●</span></header>
            <main>\(body)</main>
            <div id="toast" role="status" aria-live="polite"></div>
            </body></html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// Only the live region: what a page's script swaps in.
    static func fragment(_ html: HTML) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html.text)))
    }

    static func link(_ href: String, _ label: String, _ current: Bool) -> HTML {
        current ? "<a href=\"\(href)\" aria-current=\"page\">\(label)</a>" : "<a href=\"\(href)\">\(label)</a>"
    }

    static func status(_ value: String) -> HTML {
        "<span class=\"badge status-\(value)\">\(value.replacingOccurrences(of: "_", with: " "))</span>"
    }

    /// A bar filled to `done / total`.
    static func progress(_ done: Int, _ total: Int, failed: Int = 0) -> HTML {
        let share = total > 0 ? Double(done) / Double(total) * 100 : 0
        let failedShare = total > 0 ? Double(failed) / Double(total) * 100 : 0
        return """
            <span class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="\(total)" aria-valuenow="\(done)">\
            <span class="bar-done" data-width="\(String(format: "%.1f", share))"></span>\
            <span class="bar-failed" data-width="\(String(format: "%.1f", failedShare))"></span></span>
            """
    }

    /// A button that POSTs to `action` (with the CSRF token) from the page's script.
    static func button(_ label: String, _ action: String, kind: String = "", confirm: String? = nil, disabled: Bool = false) -> HTML {
        let confirmation: HTML = confirm.map { " data-confirm=\"\($0)\"" } ?? ""
        return "<button type=\"button\" class=\"\(kind)\" data-post=\"\(action)\"\(confirmation)\(disabled ? " disabled" : "")>\(label)</button>"
    }

    /// The commands a job in `status` accepts, as buttons.
    static func jobButtons(_ job: JobRecord) -> HTML {
        let id = job.id
        let live = [.running, .pauseRequested, .queued].contains(job.status)
        return """
            <div class="actions">\
            \(button("Pause", "/api/jobs/\(id)/pause", disabled: !live))\
            \(button("Pause now", "/api/jobs/\(id)/pause?immediate=true", disabled: !live))\
            \(button("Resume", "/api/jobs/\(id)/resume", kind: "primary", disabled: job.status != .paused))\
            \(button("Cancel", "/api/jobs/\(id)/cancel", kind: "danger", confirm: "Cancel job \(id)? Items not yet done are canceled.", disabled: job.status.isFinished))\
            \(button("Retry failed", "/api/jobs/\(id)/retry"))\
            </div>
            """
    }

    /// Counts per item status, aligned, zero ones dimmed.
    static func counters(_ counters: JobCounters) -> HTML {
        let cells = ItemStatus.allCases.map { status -> HTML in
            "<div class=\"count status-\(status.rawValue)\(counters[status] == 0 ? " zero" : "")\"><b data-count=\"\(status.rawValue)\">\(counters[status])</b><span>\(status.rawValue)</span></div>"
        }
        return "<div class=\"counts\">\(cells)</div>"
    }

    static func time(_ date: Date?) -> HTML {
        guard let date else { return "–" }
        return "<time datetime=\"\(Format.iso(date) ?? "")\">\(Format.time(date))</time>"
    }

    static func percentEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }
}
