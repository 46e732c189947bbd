import Engine
import Foundation
import Stages

/// The effective value of every setting and the layer it came from: the built-in default <
/// the config file < `ENGINE_*` < a flag. The config file is `--config FILE` (`ENGINE_CONFIG`),
/// else the profile's `config.yaml` when it has one. A profile other than `default` lives in
/// `<data_dir>/profiles/NAME/` (database, library, temp, exports, logs, config.yaml); the
/// default profile is the data dir itself, as before profiles.
struct Settings: Sendable {
    enum Origin: String, Sendable {
        case builtIn = "default", config, environment = "env", flag
    }

    struct Value: Sendable {
        var text: String?
        var origin: Origin
    }

    private(set) var values: [String: Value] = [:]
    /// The config file read, if any.
    private(set) var configFile: String?
    /// The config file's web catalogs (`sources:`) and ranking resolver (`resolve:`).
    private(set) var sources: [CatalogSource] = []
    private(set) var resolve: ResolvePlan?

    subscript(_ key: String) -> String? { values[key]?.text }
    func origin(_ key: String) -> Origin { values[key]?.origin ?? .builtIn }
    /// The value when a flag or the environment set it: it outranks a graph file's.
    func aboveGraph(_ key: String) -> String? { [.flag, .environment].contains(origin(key)) ? self[key] : nil }
    /// The value when the config file set it: a graph file's outranks it.
    func belowGraph(_ key: String) -> String? { origin(key) == .config ? self[key] : nil }

    /// `flags`: the values the command line gave, by setting key (`config` for `--config`).
    static func resolve(flags: [String: String], environment: [String: String]) throws(SettingsError) -> Settings {
        var settings = Settings()
        func fromEnvironment(_ setting: Setting) throws(SettingsError) -> String? {
            let name = setting.key == "log_level" && environment[setting.environment] == nil ? "LOG_LEVEL" : setting.environment
            guard let text = environment[name], !text.isEmpty else { return nil }
            switch setting.check(text) {
            case .success(let value): return value
            case .failure(let problem): throw SettingsError(source: name, line: nil, message: problem.message)
            }
        }
        func take(_ setting: Setting, config: ConfigFile?, fallback: String?) throws(SettingsError) {
            if let flag = flags[setting.key] {
                switch setting.check(flag) {
                case .success(let value): settings.values[setting.key] = Value(text: value, origin: .flag)
                case .failure(let problem): throw SettingsError(source: setting.flag ?? setting.key, line: nil, message: problem.message)
                }
            } else if let value = try fromEnvironment(setting) {
                settings.values[setting.key] = Value(text: value, origin: .environment)
            } else if let value = config?.values[setting.key] {
                settings.values[setting.key] = Value(text: value, origin: .config)
            } else {
                settings.values[setting.key] = Value(text: fallback, origin: .builtIn)
            }
        }
        let explicitPath = flags["config"] ?? environment["ENGINE_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        var explicit: ConfigFile?
        if let explicitPath { explicit = try ConfigFile.load(explicitPath, explicit: true) }
        try take(Setting.named("data_dir")!, config: explicit, fallback: DataDirectory.defaultRoot(environment: environment).path)
        try take(Setting.named("profile")!, config: explicit, fallback: "default")
        let profileRoot = Self.profileRoot(dataDir: settings["data_dir"]!, profile: settings["profile"]!)
        let ownPath = profileRoot.appendingPathComponent("config.yaml").path
        var config = explicit
        if config == nil, FileManager.default.fileExists(atPath: ownPath) { config = try ConfigFile.load(ownPath, explicit: false) }
        settings.configFile = config?.path
        settings.sources = config?.sources ?? []
        settings.resolve = config?.resolve
        for setting in Setting.all where !["data_dir", "profile"].contains(setting.key) {
            let fallback: String? =
                switch setting.key {
                case "library_dir": profileRoot.appendingPathComponent("library").path
                case "temp_dir": profileRoot.appendingPathComponent("tmp").path
                case "s3_prefix": settings["profile"] == "default" ? nil : settings["profile"]
                default: setting.defaultValue
                }
            try take(setting, config: config, fallback: fallback)
        }
        try settings.checkFolders()
        return settings
    }

    /// The temp folder is cleaned: it may hold neither the library nor the profile's data, and
    /// the library may not hold the data (paths compared with symbolic links resolved).
    private func checkFolders() throws(SettingsError) {
        let root = Self.resolved(directory.root.path), library = Self.resolved(self["library_dir"]!), temp = Self.resolved(self["temp_dir"]!)
        func overlap(_ a: String, _ b: String) -> Bool { a == b || a.hasPrefix(b + "/") || b.hasPrefix(a + "/") }
        func inside(_ a: String, _ b: String) -> Bool { a == b || a.hasPrefix(b + "/") }
        if inside(root, temp) {
            throw SettingsError(source: "temp_dir", line: nil, message: "\(temp) holds the profile's data (\(root)): give the temp folder one of its own")
        }
        if inside(root, library) {
            throw SettingsError(source: "library_dir", line: nil, message: "\(library) holds the profile's data (\(root)): give the library a folder of its own")
        }
        if overlap(temp, library) {
            throw SettingsError(source: "temp_dir", line: nil, message: "\(temp) and the library \(library) overlap: the temp folder is cleaned, give each its own")
        }
    }

    /// `path` with the symbolic links of its existing part resolved.
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// The default profile is the data dir; another is `<data_dir>/profiles/NAME`.
    static func profileRoot(dataDir: String, profile: String) -> URL {
        let root = URL(fileURLWithPath: dataDir)
        return profile == "default" ? root : root.appendingPathComponent("profiles").appendingPathComponent(profile)
    }

    /// The profile's data directory: its root, library and temp folders.
    var directory: DataDirectory {
        DataDirectory(
            root: Self.profileRoot(dataDir: self["data_dir"]!, profile: self["profile"]!),
            library: URL(fileURLWithPath: self["library_dir"]!), temporary: URL(fileURLWithPath: self["temp_dir"]!))
    }
}
