import Foundation
import Stages
import Yams

/// A config file (YAML): `key: value` for any setting (`Setting.all`), e.g.
/// ```yaml
/// library_dir: /volume1/music
/// download_workers: 4
/// limit_rate: 2M
/// ```
/// and `sources:` (web catalogs) and `resolve:` (the ranking resolver) as a graph file defines them.
/// Unknown keys and bad values are errors naming the file and the line. `data_dir` and
/// `profile` choose where a profile's own `config.yaml` is, so only a file given with
/// `--config` (or `ENGINE_CONFIG`) may set them.
struct ConfigFile: Sendable {
    let path: String
    /// Canonical values by key.
    let values: [String: String]
    /// Web catalogs (`sources:`), for `catalog:NAME` inputs, and the ranking resolver's plan (`resolve:`).
    var sources: [CatalogSource] = []
    var resolve: ResolvePlan?

    static func load(_ path: String, explicit: Bool) throws(SettingsError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingsError(source: path, line: nil, message: "cannot read: \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
        return try parse(text, path: path, explicit: explicit)
    }

    static func parse(_ text: String, path: String, explicit: Bool) throws(SettingsError) -> ConfigFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            let problem = GraphFileError.yaml(error, file: path)
            throw SettingsError(source: path, line: problem.line, message: problem.message)
        }
        guard let root else { return ConfigFile(path: path, values: [:]) }  // empty: nothing set
        guard let mapping = root.mapping else {
            throw SettingsError(source: path, line: root.mark?.line, message: "a config file is a mapping of settings (`key: value`)")
        }
        var values: [String: String] = [:], sources: [CatalogSource] = [], resolve: ResolvePlan?
        // A group (`exports:`, `hooks:`) holds its keys beneath it: `exports.auto` and so on.
        var entries: [(key: Node, value: Node, name: String?)] = []
        for (keyNode, valueNode) in mapping {
            if let group = keyNode.string, Setting.groups.contains(group) {
                guard let members = valueNode.mapping else {
                    throw SettingsError(source: path, line: valueNode.mark?.line, message: "\(group) is a group of settings (`\(group):` then `key: value` beneath it)")
                }
                for (memberKey, memberValue) in members { entries.append((memberKey, memberValue, memberKey.string.map { "\(group).\($0)" })) }
            } else {
                entries.append((keyNode, valueNode, keyNode.string))
            }
        }
        for (keyNode, valueNode, name) in entries {
            let line = keyNode.mark?.line
            if ["sources", "resolve"].contains(keyNode.string) {
                do {
                    (sources, resolve) = try GraphFile.sourcesAndResolve(inYAML: text, file: path)
                } catch {
                    throw SettingsError(source: path, line: error.line, message: error.message)
                }
                continue
            }
            guard let key = name, let setting = Setting.named(key) else {
                throw SettingsError(
                    source: path, line: line,
                    message: "unknown key '\(name ?? "?")' (known: \(Setting.all.map(\.key).joined(separator: ", ")))")
            }
            if !explicit, ["data_dir", "profile"].contains(key) {
                throw SettingsError(
                    source: path, line: line,
                    message: "\(key) cannot be set in a profile's own config.yaml (give --\(key == "data_dir" ? "data-dir" : "profile") or \(setting.environment), or this file with --config)")
            }
            guard case .scalar = valueNode, let text = valueNode.string else {
                throw SettingsError(source: path, line: valueNode.mark?.line ?? line, message: "\(key) must be a single value")
            }
            switch setting.check(text) {
            case .success(let value): values[key] = value
            case .failure(let problem): throw SettingsError(source: path, line: valueNode.mark?.line ?? line, message: problem.message)
            }
        }
        return ConfigFile(path: path, values: values, sources: sources, resolve: resolve)
    }
}

/// A bad setting: `FILE:LINE: problem`, or `ENGINE_X: problem`.
struct SettingsError: Error, Sendable, CustomStringConvertible {
    let source: String
    let line: Int?
    let message: String

    var description: String { "\(source)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
