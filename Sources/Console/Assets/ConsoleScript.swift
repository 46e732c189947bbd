/// The pages' one script and style sheet, served from the binary (`/assets/…`): no build
/// step, no CDN, works offline.
enum ConsoleAssets {
    /// Live regions refreshed from the server when the event stream says something changed
    /// (at most twice a second), buttons that POST with the CSRF token, selections, and the
    /// job tree whose open collections stay open across refreshes. No polling: the
    /// EventSource reconnects by itself (and sends Last-Event-ID).
    static let script = #"""
        "use strict";
        (() => {
          const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
          const live = () => document.getElementById("live");
          const expanded = new Set();
          let toastTimer = null;

          function toast(text, bad) {
            const box = document.getElementById("toast");
            if (!box) return;
            box.textContent = text;
            box.className = "show" + (bad ? " bad" : "");
            clearTimeout(toastTimer);
            toastTimer = setTimeout(() => { box.className = ""; }, 5000);
          }

          async function post(url, body) {
            const response = await fetch(url, {
              method: "POST", credentials: "same-origin",
              headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", "Accept": "application/json" },
              body: body === undefined ? "" : (typeof body === "string" ? body : JSON.stringify(body)),
            });
            let data = {};
            try { data = await response.json(); } catch (_) {}
            if (!response.ok) throw new Error(data.error || response.status + " " + response.statusText);
            return data;
          }

          function said(data) {
            if (data.status === "ready" && data.url) {
              window.location.href = data.url;
              return "Export ready: the ZIP is downloading.";
            }
            if (data.status === "queued" && data.jobs) {
              const jobs = data.jobs.map(j => j.type + " job " + j.id).join(", ");
              return "Not complete yet: " + (jobs ? "queued " + jobs : "a running job is completing it") + ". Export again when it has finished.";
            }
            if (data.kept && data.removed) {
              return "Kept " + data.kept.length + " asset(s) once, removed " + data.removed.length + " copy record(s), deleted "
                + data.deleted_unrecorded.length + " unrecorded cop(ies); " + data.unknown.length + " unknown file(s) left.";
            }
            if (data.sent_to_runner === true) return "Sent to the job's runner.";
            if (data.status) return "Job " + data.job + " is " + data.status.replace(/_/g, " ") + ".";
            if (data.jobs) {
              const jobs = data.jobs.map(j => j.type + " job " + j.id).join(", ");
              const skipped = data.skipped.map(s => s.title + " (" + s.reason + ")").join("; ");
              return (jobs ? "Queued " + jobs + ". " : "Nothing to download. ") + (skipped ? "Skipped: " + skipped : "");
            }
            if (data.requeued !== undefined) {
              return data.requeued + " item(s) requeued" + (data.sent_to_runner && data.sent_to_runner.length ? "; sent to the runner of job(s) " + data.sent_to_runner.join(", ") : "") + ".";
            }
            if (data.changed !== undefined) return data.changed + " collection(s) changed.";
            return "Done.";
          }

          function bars(root) {
            root.querySelectorAll("[data-width]").forEach(bar => { bar.style.width = bar.dataset.width + "%"; });
          }

          async function itemsOf(tbody) {
            const response = await fetch(tbody.dataset.items, { credentials: "same-origin" });
            if (!response.ok) throw new Error("items: " + response.status);
            return response.text();
          }

          function showItems(tbody, html) {
            tbody.querySelectorAll("tr.item").forEach(row => row.remove());
            tbody.querySelector("tr.collection-row").insertAdjacentHTML("afterend", html);
            tbody.querySelector(".toggle")?.setAttribute("aria-expanded", "true");
            tbody.classList.add("open");
            bars(tbody);
          }

          let refreshing = false, again = false, lastRefresh = 0, timer = null;
          function scheduleRefresh() {
            if (!live()) return;
            if (timer) return;
            const wait = Math.max(0, 500 - (Date.now() - lastRefresh));
            timer = setTimeout(() => { timer = null; refresh(); }, wait);
          }

          async function refresh() {
            const region = live();
            if (!region) return;
            if (refreshing) { again = true; return; }
            refreshing = true;
            lastRefresh = Date.now();
            try {
              const response = await fetch(region.dataset.live, { credentials: "same-origin" });
              if (!response.ok) return;
              const next = document.createElement("div");
              next.innerHTML = await response.text();
              for (const tbody of next.querySelectorAll("tbody[data-collection]")) {
                if (expanded.has(tbody.dataset.collection)) showItems(tbody, await itemsOf(tbody));
              }
              const picked = new Set([...region.querySelectorAll(".pick:checked")].map(box => box.value));
              const allMatching = region.querySelector(".all-matching")?.checked;
              next.querySelectorAll(".pick").forEach(box => { box.checked = picked.has(box.value); });
              if (allMatching) { const box = next.querySelector(".all-matching"); if (box) box.checked = true; }
              region.replaceChildren(...next.childNodes);
              // A row opened while this refresh was under way gets its items now.
              for (const tbody of region.querySelectorAll("tbody[data-collection]")) {
                if (expanded.has(tbody.dataset.collection) && !tbody.querySelector("tr.item")) showItems(tbody, await itemsOf(tbody));
              }
              bars(region);
              updateSelection();
            } catch (_) {
              // the next event tries again
            } finally {
              refreshing = false;
              if (again) { again = false; scheduleRefresh(); }
            }
          }

          function updateSelection() {
            const region = live();
            if (!region) return;
            const count = region.querySelectorAll(".pick:checked").length;
            const all = region.querySelector(".all-matching")?.checked;
            const total = Number(region.querySelector("[data-total]")?.dataset.total || 0);
            region.querySelectorAll("[data-selected]").forEach(span => { span.textContent = all ? total : count; });
            region.querySelectorAll("[data-retry-selected], [data-act]").forEach(button => { button.disabled = !(all ? total : count); });
          }

          document.addEventListener("change", event => {
            const box = event.target;
            if (box.classList?.contains("pick-all")) {
              box.closest("table").querySelectorAll(".pick").forEach(pick => { pick.checked = box.checked; });
            }
            if (box.classList?.contains("pick") || box.classList?.contains("pick-all") || box.classList?.contains("all-matching")) updateSelection();
          });

          document.addEventListener("click", async event => {
            const button = event.target.closest("button");
            if (!button || button.disabled) return;
            try {
              if (button.classList.contains("toggle")) {
                const tbody = button.closest("tbody[data-collection]");
                if (expanded.has(tbody.dataset.collection)) {
                  expanded.delete(tbody.dataset.collection);
                  tbody.querySelectorAll("tr.item").forEach(row => row.remove());
                  tbody.classList.remove("open");
                  button.setAttribute("aria-expanded", "false");
                } else {
                  expanded.add(tbody.dataset.collection);
                  showItems(tbody, await itemsOf(tbody));
                }
                return;
              }
              if (button.dataset.scan) {
                const response = await fetch(button.dataset.scan, { credentials: "same-origin", headers: { "Accept": "application/json" } });
                const data = await response.json();
                if (!response.ok) throw new Error(data.error || response.status + " " + response.statusText);
                const copies = data.unrecorded.filter(file => file.copy_of).length;
                button.closest("section").querySelector("[data-scan-result]").textContent =
                  data.duplicates.length + " asset(s) stored more than once, " + copies + " unrecorded cop(ies) of stored assets, "
                  + (data.unrecorded.length - copies) + " unknown file(s).";
                return;
              }
              if (button.dataset.post) {
                if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
                toast(said(await post(button.dataset.post, button.dataset.body)));
                scheduleRefresh();
                return;
              }
              if (button.dataset.retrySelected) {
                const ids = [...live().querySelectorAll(".pick:checked")].map(box => Number(box.value));
                if (!window.confirm("Retry " + ids.length + " selected item(s)?")) return;
                toast(said(await post(button.dataset.retrySelected, { ids })));
                scheduleRefresh();
                return;
              }
              if (button.dataset.act) {
                const actions = button.closest("[data-selection-actions]");
                const all = actions.querySelector(".all-matching")?.checked;
                const body = all ? JSON.parse(actions.dataset.scope)
                  : { ids: [...live().querySelectorAll(".pick:checked")].map(box => Number(box.value)) };
                if (button.dataset.wanted) body.wanted = button.dataset.wanted === "true";
                const count = all ? body.expected : body.ids.length;
                if (!button.dataset.export && !window.confirm(button.textContent.replace(/\s*\(.*\)/, "") + ": " + count + " collection(s)?")) return;
                toast(said(await post(button.dataset.act, body)));
                scheduleRefresh();
              }
            } catch (error) {
              toast(error.message, true);
            }
          });

          document.addEventListener("submit", async event => {
            const form = event.target;
            if (!form.dataset.launch) return;
            event.preventDefault();
            const field = name => form.elements[name];
            const lines = name => field(name).value.split(/\n/).map(line => line.trim()).filter(Boolean);
            const body = {
              type: field("type").value, inputs: lines("inputs"), collections: lines("collections"),
              sources: field("sources").value.split(",").map(s => s.trim()).filter(Boolean),
              renditions: field("renditions").checked, graph: field("graph").value.trim() || null,
            };
            if (field("limit").value) body.limit = Number(field("limit").value);
            try {
              const job = await post(form.dataset.launch, body);
              toast("Job " + job.id + " queued.");
              window.location.href = "/jobs/" + job.id;
            } catch (error) {
              toast(error.message, true);
            }
          });

          bars(document);
          updateSelection();
          const stream = document.body.dataset.events;
          if (stream && window.EventSource) {
            const source = new EventSource(stream);
            const light = document.getElementById("stream");
            // On (re)connecting, what changed since the page was drawn is fetched once.
            source.onopen = () => { light?.classList.add("on"); scheduleRefresh(); };
            source.onerror = () => { light?.classList.remove("on"); };
            const kinds = (document.body.dataset.refreshOn || "job progress job-event overflow").split(" ");
            for (const kind of kinds) source.addEventListener(kind, scheduleRefresh);
          }
        })();
        """#
}
