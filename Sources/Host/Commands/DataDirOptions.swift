import ArgumentParser
import Engine
import Foundation
import Stages

/// Where a command's state is, and the settings that say so, shared by every command that
/// touches state: the profile, the config file, the library and temp folders, the store, the
/// log level. Each flag outranks its `ENGINE_*` variable and the config file (`Settings`).
struct DataDirOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $ENGINE_DATA_DIR, else $XDG_DATA_HOME/media-engine).")
    var path: String?

    @Option(help: "Profile: an isolated environment in <data-dir>/profiles/NAME (default: $ENGINE_PROFILE, else 'default', the data dir itself).")
    var profile: String?

    @Option(help: "Config file (default: $ENGINE_CONFIG, else the profile's config.yaml when there is one).")
    var config: String?

    @Option(help: "Library folder (default: <profile>/library).")
    var libraryDir: String?

    @Option(help: "Temp folder for downloads and renditions in progress (default: <profile>/tmp).")
    var tempDir: String?

    @Option(help: "An S3 backend (engine backend add) as the library: originals and renditions go there, and workers need no shared library folder.")
    var libraryBackend: String?

    @Option(help: "The job store: sqlite (the default), a database file path, or postgres://USER@HOST:PORT/DB (password from ENGINE_STORE_PASSWORD, PGPASSWORD or ~/.pgpass).")
    var store: String?

    @Option(help: "What is logged to stderr: trace, debug, info, notice, warning, error (default), critical.")
    var logLevel: String?

    /// The values these flags give, by setting key.
    var flags: [String: String] {
        let given: [(String, String?)] = [
            ("data_dir", path), ("profile", profile), ("config", config), ("library_dir", libraryDir), ("temp_dir", tempDir),
            ("store", store), ("log_level", logLevel), ("library_backend", libraryBackend),
        ]
        return Self.given(given)
    }

    /// The flags a command was given, by setting key (those left out are not layers at all).
    static func given(_ flags: [(String, String?)]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: flags.compactMap { key, value in value.map { (key, $0) } })
    }

    /// The effective settings, with a command's own flags (`extra`, by setting key); a bad
    /// value anywhere is a one-line error naming its source, and exit 2. Sets the log level.
    func settings(_ extra: [String: String] = [:]) -> Settings {
        do {
            let settings = try Settings.resolve(flags: flags.merging(extra) { $1 }, environment: ProcessInfo.processInfo.environment)
            EngineLog.setLevel(settings["log_level"])
            EngineLog.setFileMaxBytes(settings["log_max_size"].flatMap(ByteSize.parse))
            return settings
        } catch {
            Output.error("config", error.description)
            Foundation.exit(EngineExit.usage.rawValue)
        }
    }

    var directory: DataDirectory { settings().directory }
}

extension DataDirOptions {
    /// The profile's settings and its store, for a command that works on what is stored: one
    /// with no store yet is `command`'s one-line error (exit 2), and nothing is created.
    func existingStore(command: String) async throws -> (Settings, any EngineStore) {
        let settings = settings()
        guard settings.storeLocation.exists else {
            Output.error(command, "there is no library at \(settings.directory.root.path) yet")
            throw EngineExit.usage
        }
        return (settings, try await settings.storeLocation.open())
    }
}
