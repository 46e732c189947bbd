import Foundation
import PostgresStore
import Stages

/// One setting a user may set, in four layers: the built-in default < the config file (its
/// `key`) < the environment (`ENGINE_<KEY>`) < a command-line flag. `engine config show`
/// lists them all with the layer each value came from.
struct Setting: Sendable {
    enum Kind: Sendable, Equatable {
        case path, text, profileName, store
        case count(ClosedRange<Int>)
        /// Seconds, more than 0 and at most a day.
        case seconds
        /// Bytes, or a number with K, M or G.
        case size
        case boolean
        case choice([String])
    }

    let key: String
    let kind: Kind
    /// The flag that sets it, on the commands that take it.
    let flag: String?
    let help: String
    /// The built-in default as text (nil: none; data_dir, library_dir, temp_dir and
    /// s3_prefix are derived, see `Settings`).
    let defaultValue: String?

    /// `ENGINE_<KEY>`; a grouped key's dot is an underscore (`exports.auto`: `ENGINE_EXPORTS_AUTO`).
    var environment: String { "ENGINE_" + key.uppercased().replacingOccurrences(of: ".", with: "_") }

    /// Keys that are grouped in a config file (`exports:` then `auto: true` beneath it).
    static let groups: Set<String> = ["exports", "hooks"]

    /// The value in its canonical form, or why `text` is not one.
    func check(_ text: String) -> Result<String, SettingProblem> {
        let value = text.trimmingCharacters(in: .whitespaces)
        func problem(_ message: String) -> Result<String, SettingProblem> { .failure(SettingProblem(message: message)) }
        switch kind {
        case .path:
            guard !value.isEmpty else { return problem("\(key) must be a path") }
            let expanded = (value as NSString).expandingTildeInPath
            return .success(expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded)
        case .text:
            return value.isEmpty ? problem("\(key) must not be empty") : .success(value)
        case .profileName:
            let allowed = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            return value.isEmpty || !allowed || value.count > 64
                ? problem("\(key) must be a name of letters, digits, '-' and '_' (at most 64)") : .success(value)
        case .store:
            if value == "sqlite" || value.hasPrefix("/") { return .success(value) }
            guard value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
                return problem("\(key) must be 'sqlite', a database file's absolute path, or a postgres://USER@HOST:PORT/DB URL")
            }
            do {
                return .success(try PostgresStoreURL(value).description)
            } catch {
                return problem("\(key): \(error)")
            }
        case .count(let range):
            guard let number = Int(value), range.contains(number) else {
                return problem("\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .success(String(number))
        case .seconds:
            guard let number = Double(value), number > 0, number <= 86_400 else { return problem("\(key) must be seconds, more than 0 and at most 86400") }
            return .success(value)
        case .size:
            guard ByteSize.parse(value) != nil else { return problem("\(key) must be a size: bytes, or a number with K, M or G (powers of 1024)") }
            return .success(value)
        case .boolean:
            switch value.lowercased() {
            case "true", "yes", "on", "1": return .success("true")
            case "false", "no", "off", "0": return .success("false")
            default: return problem("\(key) must be true or false")
            }
        case .choice(let choices):
            return choices.contains(value.lowercased()) ? .success(value.lowercased()) : problem("\(key) must be one of \(choices.joined(separator: ", "))")
        }
    }

    static let all: [Setting] = {
        let graph = GraphFile.builtInDefault
        func seconds(_ value: Double?) -> String? { value.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } }
        return [
            Setting(key: "data_dir", kind: .path, flag: "--data-dir", help: "where all state lives", defaultValue: nil),
            Setting(key: "profile", kind: .profileName, flag: "--profile", help: "an isolated environment under <data_dir>/profiles/NAME", defaultValue: "default"),
            Setting(key: "library_dir", kind: .path, flag: "--library-dir", help: "the library (may be on another volume)", defaultValue: nil),
            Setting(key: "temp_dir", kind: .path, flag: "--temp-dir", help: "downloads and renditions in progress", defaultValue: nil),
            Setting(key: "download_workers", kind: .count(1...1000), flag: "--workers", help: "concurrent downloads", defaultValue: graph.downloadWorkers.map(String.init)),
            Setting(key: "stall_timeout", kind: .seconds, flag: "--stall-timeout", help: "seconds a download may move no data", defaultValue: seconds(graph.stallTimeout)),
            Setting(key: "connect_timeout", kind: .seconds, flag: "--connect-timeout", help: "seconds allowed to connect", defaultValue: seconds(graph.connectTimeout)),
            Setting(key: "attempts", kind: .count(1...100), flag: "--attempts", help: "tries per item on transient errors", defaultValue: graph.attempts.map(String.init)),
            Setting(key: "retry_delay", kind: .seconds, flag: "--retry-delay", help: "seconds before the second try (doubled after)", defaultValue: seconds(graph.retryDelay)),
            Setting(key: "limit_rate", kind: .size, flag: "--limit-rate", help: "bytes/s shared by all transfers", defaultValue: nil),
            Setting(key: "max_size", kind: .size, flag: "--max-size", help: "a download past this is stopped", defaultValue: "4G"),
            Setting(key: "renditions", kind: .boolean, flag: "--no-renditions", help: "make the graph's renditions", defaultValue: "true"),
            Setting(
                key: "run_processors", kind: .boolean, flag: "--no-processors",
                help: "run the graph's processors (loudness, peaks, fingerprint; scenes) on stored originals", defaultValue: "true"),
            Setting(key: "console_host", kind: .text, flag: "--host", help: "the console's address (engine serve)", defaultValue: "127.0.0.1"),
            Setting(key: "console_port", kind: .count(0...65_535), flag: "--port", help: "the console's port (engine serve; 0: any free one)", defaultValue: "18080"),
            Setting(key: "runner", kind: .boolean, flag: nil, help: "run jobs in this profile (false: console only)", defaultValue: "true"),
            Setting(
                key: "log_level", kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), flag: "--log-level",
                help: "what is logged to stderr (also LOG_LEVEL)", defaultValue: "error"),
            Setting(key: "log_max_size", kind: .size, flag: nil, help: "logs/engine.log is rotated past this size (3 kept)", defaultValue: "10M"),
            Setting(key: "store", kind: .store, flag: "--store", help: "the job store: sqlite, a database path, or postgres://USER@HOST:PORT/DB", defaultValue: "sqlite"),
            Setting(key: "library_backend", kind: .text, flag: "--library-backend", help: "an S3 backend as the library (no shared folder needed)", defaultValue: nil),
            Setting(key: "s3_multipart_threshold", kind: .size, flag: nil, help: "files larger than this go to S3 in parts", defaultValue: "16M"),
            Setting(key: "s3_part_size", kind: .size, flag: nil, help: "the size of each part of an S3 multipart upload (at least 5M)", defaultValue: "16M"),
            Setting(key: "s3_prefix", kind: .text, flag: nil, help: "base prefix a new S3 backend gets (the profile's name but in the default profile)", defaultValue: nil),
            Setting(
                key: "exports.auto", kind: .boolean, flag: nil,
                help: "keep an export folder of every complete collection in exports.dir, refreshed as jobs complete them", defaultValue: "false"),
            Setting(key: "exports.dir", kind: .path, flag: nil, help: "where automatic export folders go (default: <data dir>/exports)", defaultValue: nil),
            Setting(key: "exports.playlist", kind: .choice(["m3u8", "xspf"]), flag: nil, help: "the playlist automatic exports write", defaultValue: "m3u8"),
            Setting(key: "exports.rendition", kind: .text, flag: nil, help: "automatic exports hold this rendition profile's files, not the originals", defaultValue: nil),
            Setting(key: "hooks.after_download", kind: .text, flag: nil, help: "a command line run once a job's download stage has ended", defaultValue: nil),
            Setting(key: "hooks.after_upload", kind: .text, flag: nil, help: "a command line run once a job's upload stage has ended", defaultValue: nil),
            Setting(key: "hooks.after_job", kind: .text, flag: nil, help: "a command line run once a job has ended", defaultValue: nil),
            Setting(key: "hooks.timeout", kind: .seconds, flag: nil, help: "seconds a hook may run before it is stopped", defaultValue: "600"),
        ]
    }()

    static func named(_ key: String) -> Setting? { all.first { $0.key == key } }
}

struct SettingProblem: Error, Sendable {
    let message: String
}
