extension ConsoleAssets {
    /// Readable on a laptop and a phone; status colours; numbers in tabular figures, right-aligned.
    static let style = #"""
        :root { --bg: #f5f6f8; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e2e5eb; --accent: #2f5bd3;
          --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030; --run: #2f5bd3; --idle: #8a93a6; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
        a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.5rem; padding: .7rem 1.2rem; background: #1d2330; color: #fff; }
        header.top a { color: #dfe6ff; } .brand { font-weight: 700; color: #fff !important; }
        nav { display: flex; gap: 1rem; } nav a[aria-current] { color: #fff; border-bottom: 2px solid #fff; }
        .runner { margin-left: auto; font-size: .85rem; padding: .1rem .55rem; border-radius: 1rem; background: #39425a; }
        .runner-running { background: var(--ok); } .runner-restarting, .runner-stopped { background: var(--bad); }
        .stream { color: #555f78; font-size: .8rem; } .stream.on { color: #4ade80; }
        main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
        .grid { display: grid; grid-template-columns: minmax(260px, 340px) 1fr; gap: 1rem; align-items: start; }
        .grid > #live { display: grid; gap: 1rem; min-width: 0; }
        @media (max-width: 820px) { .grid { grid-template-columns: 1fr; } .split { grid-template-columns: 1fr !important; } }
        @media (max-width: 600px) { table.failed, table.collections { min-width: 720px; } td.title small.muted { display: none; } }
        table.failed td.title { min-width: 9rem; } table.failed td.error { min-width: 14rem; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.1rem; margin-bottom: 1rem; overflow-x: auto; }
        .grid .card { margin-bottom: 0; }
        h1, h2, h3 { margin: 0 0 .7rem; } h2 { font-size: 1.1rem; } h3 { font-size: .95rem; color: var(--muted); }
        .split { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
        table { width: 100%; border-collapse: collapse; font-size: .92rem; }
        th, td { padding: .4rem .5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .title { max-width: 28rem; overflow-wrap: anywhere; } .where { overflow-wrap: anywhere; font-size: .85rem; }
        .muted, small.muted { color: var(--muted); } .bad, .error { color: var(--bad); } .error { font-size: .88rem; overflow-wrap: anywhere; }
        .badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .78rem; font-weight: 600; background: #eef0f4; color: var(--muted); white-space: nowrap; }
        .status-running, .status-downloading, .status-pause_requested { background: #e3ebff; color: var(--run); }
        .status-succeeded, .status-completed, .status-downloaded { background: #dcf5e6; color: var(--ok); }
        .status-failed, .status-canceled { background: #fde2e2; color: var(--bad); }
        .status-completed_with_errors, .status-partial, .status-interrupted, .status-paused { background: #fdf0d8; color: var(--warn); }
        .status-queued, .status-pending, .status-skipped, .status-not_collected, .status-not_downloaded { background: #eef0f4; color: var(--idle); }
        .badge.wanted { background: #efe4ff; color: #6b3fc4; } .badge.kind { background: #fde2e2; color: var(--bad); }
        .bar { display: flex; width: 100%; min-width: 80px; height: .55rem; background: #eceef3; border-radius: 1rem; overflow: hidden; margin-top: .45rem; }
        .bar-done { background: var(--ok); width: 0; } .bar-failed { background: var(--bad); width: 0; }
        .overall { display: grid; grid-template-columns: 1fr auto; gap: .8rem; align-items: center; margin: .6rem 0; } .overall .bar { margin: 0; height: .8rem; }
        .counts { display: grid; grid-template-columns: repeat(auto-fit, minmax(90px, 1fr)); gap: .4rem; margin: .6rem 0; }
        .count { padding: .35rem .55rem; border-radius: 8px; background: #f3f4f7; } .count b { display: block; font-size: 1.25rem; font-variant-numeric: tabular-nums; }
        .count span { font-size: .75rem; color: var(--muted); } .count.zero { opacity: .45; }
        .count.status-running b { color: var(--run); } .count.status-succeeded b { color: var(--ok); } .count.status-failed b { color: var(--bad); }
        .figures { display: flex; flex-wrap: wrap; gap: 1.4rem; margin: .5rem 0 .9rem; } .figures dt { font-size: .75rem; color: var(--muted); } .figures dd { margin: 0; font-weight: 600; }
        .actions { display: flex; flex-wrap: wrap; gap: .45rem; align-items: center; margin-bottom: .6rem; }
        button, a.button { font: inherit; text-decoration: none; display: inline-block; font-size: .88rem; padding: .38rem .8rem; border: 1px solid #c7ccd8; background: #fff; border-radius: 7px; cursor: pointer; color: var(--ink); }
        button:hover:not(:disabled) { border-color: var(--accent); } button:disabled { opacity: .45; cursor: default; }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; } button.danger { color: var(--bad); border-color: #eab3b3; }
        td.actions { display: table-cell; margin: 0; white-space: nowrap; } td.actions button { padding: .2rem .5rem; font-size: .8rem; }
        .toggle { border: none; padding: 0 .3rem; background: none; font-size: 1rem; }
        tbody.open .toggle { transform: rotate(90deg); } tr.item td { background: #fafbfc; font-size: .88rem; } tr.item td:first-child { padding-left: 2rem; }
        form.stack { display: grid; gap: .65rem; } .row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; }
        label { display: grid; gap: .2rem; font-size: .85rem; color: var(--muted); } label.check { display: flex; align-items: center; gap: .4rem; color: var(--ink); }
        input, select, textarea { font: inherit; font-size: .92rem; padding: .38rem .5rem; border: 1px solid #c7ccd8; border-radius: 7px; background: #fff; color: var(--ink); min-width: 0; }
        .row label { flex: 1 1 8rem; } textarea { width: 100%; resize: vertical; }
        .events { list-style: none; padding: 0; margin: 0; max-height: 22rem; overflow-y: auto; font-size: .86rem; } .events li { padding: .2rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
        .pages { display: flex; gap: 1rem; justify-content: center; margin-top: .7rem; }
        #toast { position: fixed; right: 1rem; bottom: 1rem; max-width: 28rem; padding: .7rem 1rem; border-radius: 8px; background: #1d2330; color: #fff; opacity: 0; transform: translateY(1rem); transition: .2s; pointer-events: none; }
        #toast.show { opacity: 1; transform: none; } #toast.bad { background: var(--bad); }
        body.signin main { max-width: 26rem; padding-top: 12vh; } code { background: #eef0f4; padding: 0 .25rem; border-radius: 4px; }
        """#
}
