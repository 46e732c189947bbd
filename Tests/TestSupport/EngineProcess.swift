public import Foundation

/// The built `engine` running in the background, its output in files, killed on deinit.
public final class EngineProcess: @unchecked Sendable {  // Process is thread-safe to signal; files are written by the child
    public let process = Process()
    public let stdout: URL
    public let stderr: URL
    private let scratch: TemporaryDirectory

    /// `namespace`: the network namespace it runs in (`ip netns exec`, which execs it: the
    /// process is the engine itself), as a worker on a machine of its own.
    public init(_ arguments: [String], environment: [String: String] = [:], namespace: String? = nil) throws {
        scratch = try TemporaryDirectory("engine-process")
        stdout = scratch.file("stdout")
        stderr = scratch.file("stderr")
        for file in [stdout, stderr] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        if let namespace {
            process.executableURL = URL(fileURLWithPath: NetworkLab.ip)
            process.arguments = ["netns", "exec", namespace, Command.engineBinary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Command.engineBinary)
            process.arguments = arguments
        }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }
    public var errors: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
    public var output: String { (try? String(contentsOf: stdout, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits (polling, with a deadline) for the process to end; its exit status.
    public func wait(timeout: Duration = .seconds(120)) async throws -> Int32 {
        try await waitUntil("engine \(process.arguments?.first ?? "") exits", timeout: timeout) { !process.isRunning }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
