public import Foundation

/// Runs a program to completion and captures its output: the real peers (ffprobe,
/// sha256sum) and the built `engine` binary.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum Command {
    public static func run(
        _ executable: String, _ arguments: [String], stdin: String? = nil, directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> CommandResult {
        let process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = directory }
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
        process.arguments = arguments
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = scratch.appendingPathComponent("in")
            try Data(stdin.utf8).write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// The built `engine` executable: `ENGINE_BINARY`, else beside the test bundle, else .build/debug.
    public static var engineBinary: String {
        if let path = ProcessInfo.processInfo.environment["ENGINE_BINARY"] { return path }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("engine"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("engine"),
            Bundle.main.bundleURL.appendingPathComponent("engine"),
            Fixtures.packageRoot.appendingPathComponent(".build/debug/engine"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
            ?? candidates.last!.path
    }

    public static func engine(
        _ arguments: [String], stdin: String? = nil, directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> CommandResult {
        try run(engineBinary, arguments, stdin: stdin, directory: directory, environment: environment)
    }

    public static func which(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
    }
}

extension Command {
    /// `engine`, waited for on a thread of its own (`offPool`): for tests that run the binary
    /// many times, so that they do not hold the few threads the concurrency pool has.
    public static func engineAsync(
        _ arguments: [String], stdin: String? = nil, directory: URL? = nil, environment: [String: String] = [:]
    ) async throws -> CommandResult {
        try await offPool { try engine(arguments, stdin: stdin, directory: directory, environment: environment) }
    }
}
