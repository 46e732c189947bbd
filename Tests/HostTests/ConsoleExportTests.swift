import Foundation
import Testing
import TestSupport

/// Exports from the console of a running `engine serve`: a complete collection streams as a
/// ZIP equal to `engine export --to`; a selection with an unready collection queues its job and
/// makes no ZIP until the job has completed it.
@Suite struct ConsoleExportTests {
    @Test func aSelectionIsExportedOnlyOnceEveryCollectionIsComplete() async throws {
        let dataDir = try TemporaryDirectory("data"), lists = try TemporaryDirectory("lists"), out = try TemporaryDirectory("out")
        let ready = try lists.write("ready.m3u", [Fixtures.media("audio-cover-art.mp3"), Fixtures.media("audio-pcm.wav")].joined(separator: "\n") + "\n")
        let later = try lists.write("later.m3u", [Fixtures.media("audio-aac.m4a"), Fixtures.media("audio-vorbis.ogg")].joined(separator: "\n") + "\n")
        func engine(_ arguments: [String]) async throws -> CommandResult { try await Command.engineAsync(arguments + ["--data-dir", dataDir.path]) }
        #expect(try await engine(["run", "--no-renditions", "--no-processors", ready]).status == 0)
        _ = try await engine(["jobs", "submit", "collect_only", "--input", later])
        #expect(try await engine(["worker", "--until-idle"]).status == 0)
        let rows = try #require(try parseJSON(try await engine(["collections", "--json"]).stdout) as? [[String: Any]])
        func id(_ name: String) -> Int? { rows.first { ($0["title"] as? String) == name }?["id"] as? Int }
        let readyID = try #require(id("ready")), laterID = try #require(id("later"))

        let serve = try EngineProcess(["serve", "--port", "0", "--data-dir", dataDir.path])
        defer { serve.signal(SIGKILL) }
        let port = try #require(try await ServeTests.consolePort(serve), "\(serve.errors)")
        let base = "http://127.0.0.1:\(port)"

        // One complete collection: the ZIP as it streams, equal to the folder export.
        let zip = out.file("ready.zip").path
        let got = try await consoleCurl(["-o", zip, "-D", out.file("headers").path, "\(base)/api/collections/\(readyID)/export.zip"])
        #expect(got.code == "200")
        let headers = try String(contentsOfFile: out.file("headers").path, encoding: .utf8).lowercased()
        #expect(headers.contains("content-type: application/zip") && headers.contains("filename=\"ready.zip\""), "\(headers)")
        #expect(try await engine(["export", "ready", "--to", out.file("folders").path]).status == 0)
        let compared = try Command.run("python3", ["-c", ExportCommandTests.compareZip, zip, out.file("folders").path])
        #expect(compared.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "same 4", "\(compared.stdout) \(compared.stderr)")

        // An unready one is refused as a download, and queued as a selection.
        let refused = try await consoleCurl(["\(base)/api/collections/\(laterID)/export.zip"])
        #expect(refused.code == "409" && refused.body.contains("not downloaded"), "\(refused)")
        let session = try #require(try parseJSON(try await consoleCurl(["\(base)/api/session"]).body) as? [String: Any])
        let csrf = try #require(session["csrf_token"] as? String)
        func exportSelection() async throws -> (code: String, body: [String: Any]) {
            let posted = try await consoleCurl([
                "-X", "POST", "-H", "X-CSRF-Token: \(csrf)", "-H", "Content-Type: application/json",
                "-d", "{\"ids\": [\(readyID), \(laterID)]}", "\(base)/api/collections/export-zip",
            ])
            return (posted.code, (try? parseJSON(posted.body) as? [String: Any]) ?? ["raw": posted.body])
        }
        let queued = try await exportSelection()
        #expect(queued.code == "202" && queued.body["status"] as? String == "queued", "\(queued)")
        let jobs = queued.body["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.count == 1 && jobs.first?["type"] as? String == "download_only", "\(queued)")

        // The runner completes it; then the selection is ready, at a URL that streams both.
        var answer = queued
        let started = Date()
        while answer.body["status"] as? String != "ready", Date().timeIntervalSince(started) < 120 {
            try await Task.sleep(for: .milliseconds(300))
            let status = (try? parseJSON(try await consoleCurl(["\(base)/api/collections?q=later"]).body) as? [String: Any])?["collections"]
            if ((status as? [[String: Any]])?.first?["status"] as? String) == "downloaded" { answer = try await exportSelection() }
        }
        #expect(answer.body["status"] as? String == "ready", "\(answer) \(serve.errors)")
        let url = try #require(answer.body["url"] as? String)
        let both = out.file("both.zip").path
        #expect(try await consoleCurl(["-o", both, base + url]).code == "200")
        let names = try Command.run("python3", ["-c", "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(sorted(n.split('/')[0] for n in z.namelist()))", both])
        #expect(names.stdout.contains("['later', 'later', 'later', 'ready', 'ready', 'ready', 'ready']"), "\(names.stdout) \(names.stderr)")
    }
}
