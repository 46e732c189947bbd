import Foundation
import TestSupport

/// curl against a running console (off the cooperative pool): the status code and the body.
func consoleCurl(_ arguments: [String]) async throws -> (code: String, body: String) {
    let result = try await offPool { try Command.run("curl", ["-s", "--max-time", "60", "-w", "\n%{http_code}"] + arguments) }
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
}
