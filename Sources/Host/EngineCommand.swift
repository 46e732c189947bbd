import ArgumentParser
import Foundation
import Logging
import Engine

/// `engine`: the MediaEngine command line.
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "MediaEngine: collect, download, probe, transcode, checksum and store media.",
        version: ProgramVersion.text,
        subcommands: [
            RunCommand.self, JobsCommand.self, WorkerCommand.self, CollectCommand.self, ItemsCommand.self, ProbeCommand.self, AnalyzeCommand.self, TranscodeCommand.self, ChecksumCommand.self, GraphCommand.self, BackendCommand.self, UploadCommand.self, PresignCommand.self, ConfigCommand.self, CleanCommand.self, DoctorCommand.self, BackupCommand.self, RestoreCommand.self, ServeCommand.self, StoreCommand.self, ReprocessCommand.self, CollectionsCommand.self, ExportCommand.self, MaintenanceCommand.self, PackageCommand.self,
        ]
    )
}

/// Exit codes: 0 success, 1 finished with failed items, 2 usage or configuration error,
/// 3 could not run (lock held, database too new, dependency missing), 130 stopped by Ctrl-C,
/// 143 stopped cleanly by SIGTERM.
enum EngineExit {
    static let failures = ExitCode(1)
    static let usage = ExitCode(2)
    static let cannotRun = ExitCode(3)
    static let interrupted = ExitCode(130)
    static let terminated = ExitCode(143)
}

@main
enum EngineMain {
    static func main() async {
        // The environment's level until a command reads its settings (`log_level`).
        let environment = ProcessInfo.processInfo.environment
        EngineLog.setLevel((environment["ENGINE_LOG_LEVEL"] ?? environment["LOG_LEVEL"])?.lowercased())
        LoggingSystem.bootstrap { label in
            FollowingLogHandler(label: label, inner: StreamLogHandler(label: label, stream: RedactingStandardError()))
        }
        do {
            var command = try EngineCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            // Help and version requests exit 0 as ArgumentParser prints them; every other
            // parse or validation error is a usage error: exit 2.
            if EngineCommand.exitCode(for: error) == .success {
                EngineCommand.exit(withError: error)
            }
            Terminal.writeLine(Redaction.scrub(EngineCommand.fullMessage(for: error)))
            exit(EngineExit.usage.rawValue)
        }
    }
}
