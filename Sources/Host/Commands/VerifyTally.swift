import Engine
import Foundation

/// What `engine maintenance verify` found so far: counts, bytes read, each bad copy; the live
/// line on a terminal and the summary at the end.
actor VerifyTally {
    struct Problem: Sendable {
        var location: StoredLocation
        var problem: String
        var repaired: String?
    }

    struct Summary: Sendable {
        var checked = 0, ok = 0, corrupt = 0, missing = 0, repaired = 0, unreadable = 0
        var bytes: Int64 = 0
        var seconds: Double = 0
        var problems: [Problem] = []

        /// Bad copies left as they are, and copies that could not be read.
        var unresolved: Int { corrupt + missing - repaired + unreadable }

        var text: String {
            var lines = problems.map { problem in
                "\(problem.repaired == nil ? "BAD" : "repaired") \(problem.location.backend):\(problem.location.locator): \(problem.problem)"
                    + (problem.repaired.map { " — restored \($0)" } ?? "")
            }
            let rate = seconds > 0 ? Double(bytes) / seconds : 0
            lines.append(
                "verified \(checked) file(s), \(ByteCountText.format(bytes)) in \(String(format: "%.1f", seconds)) s (\(ByteCountText.format(Int64(rate)))/s): "
                    + "\(ok) ok, \(corrupt) corrupt, \(missing) missing, \(repaired) repaired, \(unreadable) unreadable")
            return lines.joined(separator: "\n")
        }

        var json: JSONValue {
            .object([
                ("checked", .int(checked)), ("bytes", .int(bytes)), ("seconds", .double(seconds)), ("ok", .int(ok)),
                ("corrupt", .int(corrupt)), ("missing", .int(missing)), ("repaired", .int(repaired)), ("unreadable", .int(unreadable)),
                ("problems", .array(problems.map { problem in
                    .object([
                        ("location", .int(problem.location.id)), ("backend", .string(problem.location.backend)),
                        ("locator", .string(problem.location.locator)), ("sha256", .string(problem.location.sha256)),
                        ("problem", .string(problem.problem)), ("repaired", problem.repaired.map(JSONValue.string) ?? .null),
                    ])
                })),
            ])
        }
    }

    let total: Int
    let totalBytes: Int64
    private var summary = Summary()

    init(total: Int, bytes: Int64) {
        self.total = total
        totalBytes = bytes
    }

    func add(_ location: StoredLocation, _ finding: LocationVerifier.Finding, repaired: String?) {
        summary.checked += 1
        switch finding {
        case .ok:
            summary.ok += 1
            summary.bytes += location.size
        case .unreadable(let reason):
            summary.unreadable += 1
            summary.problems.append(Problem(location: location, problem: "unreadable: \(reason)"))
        case .bad(let problem):
            if problem == "missing" { summary.missing += 1 } else { summary.corrupt += 1 }
            if repaired != nil { summary.repaired += 1 }
            summary.bytes += location.size
            summary.problems.append(Problem(location: location, problem: problem, repaired: repaired))
        }
    }

    func summary(seconds: Double) -> Summary {
        var done = summary
        done.seconds = seconds
        return done
    }

    /// Redraws the live line twice a second until cancelled.
    func showProgress() async {
        while !Task.isCancelled {
            let bad = summary.corrupt + summary.missing
            Terminal.drawProgress([
                "verify: \(summary.checked)/\(total) files, \(ByteCountText.format(summary.bytes)) of \(ByteCountText.format(totalBytes))"
                    + (bad > 0 ? ", \(bad) bad" : ""),
            ])
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
