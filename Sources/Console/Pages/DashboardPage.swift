import Engine
import Foundation
import Hummingbird

/// `/`: the quick-launch form, the active job with its commands, counters, stages, rate and
/// ETA, its running items, the newest jobs (every state keeps its row) and free space.
enum DashboardPage {
    static func render(_ backend: ConsoleBackend) async throws -> Response {
        let view = try await DashboardView.recent(backend)
        return Layout.page(
            title: "Dashboard", tab: .dashboard, backend: backend, events: "/api/events",
            body: """
                <div class="grid">
                <section class="card launch"><h2>Launch a job</h2>\(launchForm)</section>
                \(backend.maintenance == nil ? "" : maintenanceCard)
                <div id="live" data-live="/?fragment=1">\(live(view))</div>
                </div>
                """)
    }

    static func fragment(_ backend: ConsoleBackend) async throws -> Response {
        Layout.fragment(live(try await DashboardView.recent(backend)))
    }

    /// Library upkeep inline: Scan lists what a dedupe would work on; Dedupe asks, then does it.
    static let maintenanceCard: HTML = """
        <section class="card maintenance"><h2>Maintenance</h2>
        <p class="muted">Copies of one asset stored twice, and library files no record knows.</p>
        <div class="row"><button type="button" data-scan="/api/maintenance/duplicates">Scan</button>
        <button type="button" data-post="/api/maintenance/dedupe" data-confirm="Keep one copy of each asset and delete the others?">Dedupe</button></div>
        <div data-scan-result class="muted"></div></section>
        """

    static let launchForm: HTML = """
        <form id="launch-form" class="stack" data-launch="/api/jobs">
        <label>Job type <select name="type">
        <option value="ingest">ingest — collect, download, probe, store</option>
        <option value="collect_only">collect only — into the catalog</option>
        <option value="download_only">download only — catalog items not yet stored</option>
        <option value="reprocess">reprocess — probe and renditions again</option>
        </select></label>
        <label>Inputs <small>(ingest, collect only: playlists, folders, feeds or URLs, one a line)</small>
        <textarea name="inputs" rows="3" placeholder="/media/playlists/road-trip.m3u8"></textarea></label>
        <label>Collections <small>(download only, reprocess: locator or title, one a line)</small>
        <textarea name="collections" rows="2"></textarea></label>
        <div class="row">
        <label>Sources <input name="sources" placeholder="all"></label>
        <label>Limit <input name="limit" type="number" min="1" inputmode="numeric" placeholder="none"></label>
        <label>Graph <input name="graph" placeholder="default"></label>
        </div>
        <label class="check"><input type="checkbox" name="renditions" checked> make renditions</label>
        <button type="submit" class="primary">Queue job</button>
        </form>
        """

    static func live(_ view: DashboardView) -> HTML {
        let active: HTML
        if let job = view.active {
            active = activeJob(job)
        } else {
            active = "<section class=\"card\"><h2>No job running</h2><p class=\"muted\">Queued jobs start as soon as the runner is free.</p></section>"
        }
        let rows = view.jobs.map { entry -> HTML in
            let job = entry.job, counters = entry.counters
            let done = counters[.succeeded] + counters[.skipped]
            return """
                <tr data-job="\(job.id)"><td class="num"><a href="/jobs/\(job.id)">\(job.id)</a></td><td>\(job.type.rawValue)</td>\
                <td>\(Layout.status(job.status.rawValue))</td><td class="num">\(done) / \(counters.total)</td>\
                <td>\(Layout.progress(done, counters.total, failed: counters[.failed]))</td>\
                <td class="num\(counters[.failed] > 0 ? " bad" : "")">\(counters[.failed] > 0 ? "<a href=\"/failed?job=\(job.id)\">\(counters[.failed])</a>" as HTML : "0")</td>\
                <td>\(Layout.time(job.createdAt))</td></tr>
                """
        }
        return """
            \(active)
            <section class="card"><h2>Recent jobs</h2>
            <table class="jobs"><thead><tr><th class="num">Job</th><th>Type</th><th>Status</th><th class="num">Done</th><th>Progress</th>\
            <th class="num">Failed</th><th>Created</th></tr></thead>
            <tbody>\(rows.isEmpty ? "<tr><td colspan=\"7\" class=\"muted\">No jobs yet: launch one.</td></tr>" : HTML(joining: rows))</tbody></table></section>
            <section class="card space"><h2>Free space</h2><dl class="figures">
            <div><dt>Library</dt><dd class="num">\(Format.bytes(view.freeLibrary))</dd></div>
            <div><dt>Temp</dt><dd class="num">\(Format.bytes(view.freeTemp))</dd></div></dl></section>
            """
    }

    /// The active job's card (also the top of the job page).
    static func activeJob(_ active: DashboardView.ActiveJob, link: Bool = true) -> HTML {
        let job = active.job, counters = active.counters
        let done = counters[.succeeded] + counters[.skipped]
        let title: HTML = link ? "<a href=\"/jobs/\(job.id)\">Job \(job.id)</a>" : "Job \(job.id)"
        let stages = active.stages.map { stage -> HTML in
            "<tr><td>\(stage.name)</td><td class=\"num\">\(stage.finished)</td><td class=\"num\">\(stage.skipped)</td><td class=\"num\(stage.failed > 0 ? " bad" : "")\">\(stage.failed)</td></tr>"
        }
        let running = active.running.map { item -> HTML in
            let size = item.bytesExpected.map { "\(Format.bytes(item.bytes ?? 0)) / \(Format.bytes($0))" } ?? Format.bytes(item.bytes)
            return """
                <tr data-item="\(Redaction.scrub(item.itemKey))"><td class="title">\(item.title)</td><td>\(item.step ?? "queued")</td>\
                <td class="num">\(size)</td><td class="num">\(Format.rate(item.speed()))</td></tr>
                """
        }
        return """
            <section class="card active" data-job="\(job.id)"><h2>\(title) · \(job.type.rawValue) \(Layout.status(job.status.rawValue))</h2>
            \(Layout.jobButtons(job))
            <div class="overall">\(Layout.progress(done, counters.total, failed: counters[.failed]))
            <span class="num">\(done) / \(counters.total) done\(job.collectionDone ? "" : " · collecting")</span></div>
            \(Layout.counters(counters))
            <dl class="figures"><div><dt>Fetched</dt><dd class="num">\(Format.bytes(active.bytes))</dd></div>
            <div><dt>Rate</dt><dd class="num" data-rate>\(Format.rate(active.bytesPerSecond))</dd></div>
            <div><dt>ETA</dt><dd class="num">\(Format.duration(active.eta))</dd></div>
            <div><dt>Started</dt><dd>\(Layout.time(job.startedAt))</dd></div></dl>
            \(job.error.map { "<p class=\"error\">\($0)</p>" as HTML } ?? "")
            <div class="split"><div><h3>Stages</h3><table><thead><tr><th>Stage</th><th class="num">Finished</th><th class="num">Skipped</th>\
            <th class="num">Failed</th></tr></thead><tbody>\(HTML(joining: stages))</tbody></table></div>
            <div><h3>Running items</h3><table class="running"><thead><tr><th>Title</th><th>Step</th><th class="num">Bytes</th>\
            <th class="num">Speed</th></tr></thead><tbody>\(running.isEmpty ? "<tr><td colspan=\"4\" class=\"muted\">none right now</td></tr>" : HTML(joining: running))\
            </tbody></table></div></div>
            </section>
            """
    }
}
