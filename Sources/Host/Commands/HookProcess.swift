internal import CMediaKernels
import Engine
import Foundation
import Synchronization

/// One run of a hook's command line: `/bin/sh -c LINE` in a process group of its own, its
/// standard output and error read together (the last lines kept), stopped with its children
/// after `timeout` (SIGTERM, then SIGKILL 5 s later).
struct HookProcess {
    struct Outcome: Sendable {
        /// The exit status, or nil when a signal ended it.
        var status: Int32?
        var signal: Int32?
        var timedOut: Bool
        var seconds: Double
        var lastLines: [String]
    }

    let command: String
    let environment: [String: String]
    let timeout: Duration

    static let keptLines = 10

    /// Runs the command to its end; throws only when it cannot be started.
    func run() async throws -> Outcome {
        let environ = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0, readEnd: Int32 = -1
        let spawned = withCStrings(environ) { envp in mk_spawn_shell(command, envp, &readEnd, &pid) }
        guard spawned == 0 else { throw HookError.cannotStart(String(errno: spawned)) }
        let started = ContinuousClock.now
        let reader = readEnd, child = pid, marks = Marks()
        // Unstructured: a cancel of the caller never leaves the child unreaped or the pipe open.
        let output = Task { try await BlockingIO.run { Self.tail(of: reader, marks: marks) } }
        let deadline = Task {
            try await Task.sleep(for: timeout)
            marks.timedOut.store(true, ordering: .relaxed)
            kill(-child, SIGTERM)
            try await Task.sleep(for: .seconds(5))
            kill(-child, SIGKILL)
        }
        let status = try await Task {
            try await BlockingIO.run { () -> Int32 in
                var status: Int32 = 0
                while waitpid(child, &status, 0) < 0, errno == EINTR {}
                return status
            }
        }.value
        deadline.cancel()
        // Children the command left behind hold the pipe: they go with the group (one that left
        // the group, a daemon, is no longer waited for: the reader gives up 2 s after the exit).
        kill(-child, SIGKILL)
        marks.exited.store(true, ordering: .relaxed)
        let lines = (try? await output.value) ?? []
        close(reader)
        let exited = status & 0x7f == 0
        return Outcome(
            status: exited ? (status >> 8) & 0xff : nil, signal: exited ? nil : status & 0x7f, timedOut: marks.timedOut.load(ordering: .relaxed),
            seconds: Format.seconds(ContinuousClock.now - started), lastLines: lines)
    }

    /// What the waiting sides tell the reader.
    final class Marks: Sendable {
        let exited = Atomic<Bool>(false)
        let timedOut = Atomic<Bool>(false)
    }

    /// Reads `fd` to its end, keeping the last `keptLines` lines (at most 4 KiB of each); stops
    /// 2 s after the command exited when something else still holds the pipe.
    static func tail(of fd: Int32, marks: Marks) -> [String] {
        var lines: [String] = [], current: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var quietSinceExit = 0
        while true {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, 200)
            if polled < 0, errno == EINTR { continue }
            if polled == 0 {
                if marks.exited.load(ordering: .relaxed) {
                    quietSinceExit += 1
                    if quietSinceExit >= 10 { break }
                }
                continue
            }
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            for byte in buffer[..<count] {
                if byte == UInt8(ascii: "\n") {
                    lines.append(String(decoding: current, as: UTF8.self))
                    if lines.count > keptLines { lines.removeFirst() }
                    current.removeAll(keepingCapacity: true)
                } else if current.count < 4096 {
                    current.append(byte)
                }
            }
        }
        if !current.isEmpty { lines.append(String(decoding: current, as: UTF8.self)) }
        return Array(lines.suffix(keptLines))
    }

    private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

enum HookError: Error, CustomStringConvertible {
    case cannotStart(String)
    var description: String {
        switch self {
        case .cannotStart(let reason): "cannot start /bin/sh: \(reason)"
        }
    }
}
