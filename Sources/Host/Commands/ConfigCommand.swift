import ArgumentParser
import Engine
import Foundation

/// `engine config show|check`: the effective settings and where each came from; a config
/// file checked.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the effective settings, or check a config file.",
        subcommands: [ConfigShowCommand.self, ConfigCheckCommand.self])
}

struct ConfigShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Every setting's effective value and its layer: default, config (file), env (ENGINE_*) or flag.")

    @OptionGroup var data: DataDirOptions
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let settings = data.settings()
        func source(_ setting: Setting) -> String? {
            switch settings.origin(setting.key) {
            case .builtIn: nil
            case .config: settings.configFile
            case .environment: setting.key == "log_level" && ProcessInfo.processInfo.environment[setting.environment] == nil ? "LOG_LEVEL" : setting.environment
            case .flag: setting.flag
            }
        }
        if json {
            Output.line(JSONValue.array(Setting.all.map { setting in
                .object([
                    ("key", .string(setting.key)), ("value", settings[setting.key].map(JSONValue.string) ?? .null),
                    ("origin", .string(settings.origin(setting.key).rawValue)), ("source", source(setting).map(JSONValue.string) ?? .null),
                    ("env", .string(setting.environment)), ("flag", setting.flag.map(JSONValue.string) ?? .null),
                ])
            }).serialized())
            return
        }
        let width = Setting.all.map(\.key.count).max() ?? 0
        for setting in Setting.all {
            let value = settings[setting.key] ?? "(none)"
            let from = settings.origin(setting.key).rawValue + (source(setting).map { " \($0)" } ?? "")
            Output.line(setting.key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value + "  [\(from)]")
        }
    }
}

struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check a config file (default: the profile's config.yaml): errors name the file, the line and the problem.")

    @Argument(help: "The config file.") var file: String?
    @OptionGroup var data: DataDirOptions

    func run() throws {
        let settings = data.settings()
        let own = settings.directory.root.appendingPathComponent("config.yaml").path
        let path = file ?? settings.configFile ?? own
        do {
            let config = try ConfigFile.load(path, explicit: path != own)
            Output.line("\(path): valid; sets \(config.values.keys.sorted().joined(separator: ", ").nonEmpty ?? "nothing")")
        } catch {
            Output.error("config check", error.description)
            throw EngineExit.usage
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
