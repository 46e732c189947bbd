import Engine
import Foundation
import Testing
import TestSupport

/// Settings through the binary: each layer outranks the one below (default < config file <
/// ENGINE_* < flag), `config show` names the layer, a graph file sits between the config file
/// and the environment, and bad values are one-line errors naming their source.
@Suite struct SettingsTests {
    /// `config show --json` as key → (value, origin).
    func show(_ arguments: [String], environment: [String: String] = [:]) throws -> [String: (String?, String)] {
        let result = try Command.engine(["config", "show", "--json"] + arguments, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try parseJSON(result.stdout) as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["key"] as! String, ($0["value"] as? String, $0["origin"] as! String)) })
    }

    @Test(arguments: [
        // (config file sets it, ENGINE_LIBRARY_DIR, --library-dir) → the value and its origin
        (false, false, false, "default"), (true, false, false, "config"), (true, true, false, "env"), (true, true, true, "flag"),
        (false, true, false, "env"), (false, false, true, "flag"),
    ])
    func eachLayerOutranksTheOneBelow(config: Bool, environment: Bool, flag: Bool, expected: String) throws {
        let dataDir = try TemporaryDirectory("data")
        if config { _ = try dataDir.write("config.yaml", "library_dir: /srv/from-config\n") }
        let settings = try show(
            ["--data-dir", dataDir.path] + (flag ? ["--library-dir", "/srv/from-flag"] : []),
            environment: environment ? ["ENGINE_LIBRARY_DIR": "/srv/from-env"] : [:])
        let wanted = ["default": dataDir.file("library").path, "config": "/srv/from-config", "env": "/srv/from-env", "flag": "/srv/from-flag"]
        #expect(settings["library_dir"]?.0 == wanted[expected] && settings["library_dir"]?.1 == expected, "\(String(describing: settings["library_dir"]))")
    }

    /// A job's download settings: ENGINE_* over the graph file's `download:` over the config file.
    @Test func aGraphFileSitsBetweenTheConfigFileAndTheEnvironment() async throws {
        let dataDir = try TemporaryDirectory("data")
        _ = try dataDir.write("config.yaml", "download_workers: 3\nattempts: 2\nstall_timeout: 9\n")
        let graph = try dataDir.write("graph.yaml", "download: {workers: 6, attempts: 4}\n")
        let submitted = try Command.engine(
            ["jobs", "submit", "ingest", "--input", Fixtures.media("audio-pcm.wav"), "--graph", graph, "--data-dir", dataDir.path],
            environment: ["ENGINE_ATTEMPTS": "7"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let store = try SQLiteJobStore(path: dataDir.file("engine.sqlite").path)
        let job = try #require(try await store.job(1))
        let options = try #require(try JSONSerialization.jsonObject(with: Data(job.options.utf8)) as? [String: Any])
        #expect(options["workers"] as? Int == 6, "the graph over the config file: \(options)")
        #expect(options["attempts"] as? Int == 7, "the environment over the graph: \(options)")
        #expect(options["stallTimeout"] as? Double == 9, "the config file where the graph says nothing: \(options)")
    }

    @Test(arguments: [
        ("download_workers: 3\nworkerz: 1\n", "config.yaml:2: unknown key 'workerz'"),
        ("limit_rate: fast\n", "config.yaml:1: limit_rate must be a size"),
        ("console_port: 70000\n", "config.yaml:1: console_port must be a whole number from 0 to 65535"),
        ("data_dir: /elsewhere\n", "config.yaml:1: data_dir cannot be set in a profile's own config.yaml"),
        ("renditions: [a\n", "config.yaml:2: not valid YAML"),
        ("sources:\n  s:\n    items: {url: \"https://x/\", paging: page, list: l, fields: {id: id, url: u}}\n",
         "config.yaml:3: sources.s.items.url must contain {page}"),
        ("resolve:\n  sources: [{name: a, url: \"https://x/?q={title}\"}]\n", "config.yaml:2: resolve source 'a' searches: its fields need 'url'"),
    ])
    func aBadConfigFileNamesTheLineAndTheProblem(text: String, expected: String) throws {
        let dataDir = try TemporaryDirectory("data")
        let path = try dataDir.write("config.yaml", text)
        for arguments in [["config", "check", "--data-dir", dataDir.path], ["items", "--data-dir", dataDir.path]] {
            let result = try Command.engine(arguments)
            #expect(result.status == 2)
            #expect(result.stderr.contains(path.replacingOccurrences(of: "config.yaml", with: "") + expected), "\(result.stderr)")
        }
    }

    /// The temp folder is cleaned: one that holds the library or the data is refused.
    @Test(arguments: [("--temp-dir", "", "holds the profile's data"), ("--temp-dir", "/library", "overlap"), ("--library-dir", "", "holds the profile's data")])
    func foldersThatWouldLoseDataAreRefused(flag: String, under: String, expected: String) throws {
        let dataDir = try TemporaryDirectory("data")
        let result = try Command.engine(["config", "show", "--data-dir", dataDir.path, flag, dataDir.path + under])
        #expect(result.status == 2 && result.stderr.contains(expected), "\(result.stderr)")
    }

    /// A profile whose runner is off runs no jobs here.
    @Test func aProfileWhoseRunnerIsOffRunsNothing() throws {
        let dataDir = try TemporaryDirectory("data")
        let result = try Command.engine(["run", "--data-dir", dataDir.path, Fixtures.media("audio-pcm.wav")], environment: ["ENGINE_RUNNER": "false"])
        #expect(result.status == 3 && result.stderr.contains("runs no jobs here (its runner setting is false)"), "\(result.stderr)")
    }

    @Test func aBadEnvironmentValueNamesTheVariable() throws {
        let result = try Command.engine(["config", "show"], environment: ["ENGINE_DOWNLOAD_WORKERS": "many"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("ENGINE_DOWNLOAD_WORKERS: download_workers must be a whole number"), "\(result.stderr)")
    }

    /// `--version`: the schema it writes, and the libav ffprobe (the same Debian FFmpeg) reports.
    @Test func theVersionNamesTheSchemaAndTheLibraries() throws {
        let version = try Command.engine(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.contains("schema \(SQLiteJobStore.schemaMigration)\n"))
        let peer = try Command.run("ffprobe", ["-version"]).stdout.split(separator: " ").dropFirst(2).first.map(String.init) ?? "?"
        #expect(version.stdout.contains("libav FFmpeg \(peer) "), "ffprobe \(peer): \(version.stdout)")
        #expect(version.stdout.contains("libcurl libcurl/") && version.stdout.contains("sqlite 3."))
    }

    /// The program's allocator is tcmalloc (Package.swift): a linker that dropped the library,
    /// whose symbols nothing names, would leave glibc's malloc without a word.
    @Test func theProgramRunsOnTcmalloc() throws {
        let libraries = try Command.run("/usr/bin/ldd", [Command.engineBinary])
        #expect(libraries.status == 0)
        #expect(libraries.stdout.contains("libtcmalloc_minimal.so.4 => /"), "\(libraries.stdout)")
    }
}
