import Engine
import Foundation
import Stages

/// The end-of-run summary, as text or JSON.
struct RunSummary {
    let tally: IngestTally
    let wallTime: Duration
    let dataDirectory: DataDirectory
    let jobID: Int64
    let status: JobStatus
    let type: JobType
    /// Renditions this job failed to make, and those it did not try because they failed before.
    var renditionsFailed: [JobRenditionFailure] = []
    var renditionsFailedEarlier: [JobRenditionFailure] = []
    /// A graph that keeps no originals: the backend its renditions go to (nil: the library).
    var renditionsBackend: String?

    var text: String {
        let done = "job \(jobID) \(status == .completed || status == .completedWithErrors ? "done" : status.rawValue) in \(String(format: "%.2f", Format.seconds(wallTime))) s: "
        if type == .uploadOnly {
            var lines = [
                done + "\(tally.collected) stored item(s) looked at, \(tally.uploaded) uploaded (\(Format.bytes(tally.uploadedBytes))), "
                    + "\(tally.skipped) already on the backend, \(tally.failedCount) failed"
            ]
            if !tally.failed.isEmpty {
                lines.append("failed (\(tally.failedCount)):")
                lines += listed(tally.failed, of: tally.failedCount)
            }
            return lines.joined(separator: "\n")
        }
        var lines = [
            done
                + "\(tally.collected) collected, \(tally.downloaded) downloaded (\(Format.bytes(tally.downloadedBytes))), "
                + "\(tally.probed) probed, " + (renditionsBackend == nil ? "\(tally.stored) stored, " : "") + "\(tally.renditions) renditions, "
                + "\(tally.skipped) skipped, \(tally.failedCount) failed"
                + (tally.canceled > 0 ? ", \(tally.canceled) canceled" : "")
                + (tally.retried > 0 ? ", \(tally.retried) retries" : "")
                + (tally.uploaded > 0 ? ", \(tally.uploaded) uploaded (\(Format.bytes(tally.uploadedBytes)))" : "")
        ]
        if tally.downloaded == 0, tally.skipped > 0, tally.failedCount == 0 {
            lines.append(
                "nothing to download: \(tally.skipped) item(s) "
                    + (renditionsBackend.map { "have their renditions on backend '\($0)' already" } ?? "already in the library"))
        }
        if tally.renditionsOnly > 0 {
            lines.append("\(tally.renditionsOnly) stored item(s) got their missing renditions or processor results")
        }
        if tally.reused > 0 {
            lines.append("\(tally.reused) item(s) had content the library already held (linked, not copied)")
        }
        for (title, problems, count) in [("failed", tally.failed, tally.failedCount), ("input problems", tally.issues, tally.issues.count)]
        where !problems.isEmpty {
            lines.append("\(title) (\(count)):")
            lines += listed(problems, of: count)
        }
        if !renditionsFailed.isEmpty {
            lines.append("renditions failed (\(renditionsFailed.count)); the items stay stored:")
            lines += renditionsFailed.map { "  [transcode] \($0.title): \($0.failure.profile): \($0.failure.error)" }
        }
        if !renditionsFailedEarlier.isEmpty {
            let count = renditionsFailedEarlier.count
            lines.append(
                "\(count) rendition\(count == 1 ? "" : "s") failed earlier; `engine jobs retry \(jobID)` or a changed profile tries again")
        }
        lines.append(renditionsBackend.map { "renditions: backend '\($0)' (no originals kept)" } ?? "library: \(dataDirectory.library.path)")
        return lines.joined(separator: "\n")
    }

    /// How many problems the text lists; the rest are counted (the job keeps them all).
    static let listedProblems = 20

    private func listed(_ problems: [IngestTally.Problem], of count: Int) -> [String] {
        problems.prefix(Self.listedProblems).map { "  " + $0.line }
            + (count > Self.listedProblems ? ["  … and \(count - Self.listedProblems) more (`--json` lists them)"] : [])
    }

    var json: JSONValue {
        func problems(_ list: [IngestTally.Problem]) -> JSONValue {
            .array(list.map {
                .object([
                    ("subject", .string($0.subject)), ("title", $0.title.map(JSONValue.string) ?? .null),
                    ("stage", .string($0.stage)), ("message", .string($0.message)),
                ])
            })
        }
        return .object([
            ("job_id", .int(Int(jobID))),
            ("status", .string(status.rawValue)),
            ("type", .string(type.rawValue)),
            ("collected", .int(tally.collected)),
            ("downloaded", .int(tally.downloaded)),
            ("bytes", .int(tally.downloadedBytes)),
            ("probed", .int(tally.probed)),
            ("stored", .int(tally.stored)),
            ("reused", .int(tally.reused)),
            ("renditions", .int(tally.renditions)),
            ("uploaded", .int(tally.uploaded)),
            ("uploaded_bytes", .int(tally.uploadedBytes)),
            ("renditions_only", .int(tally.renditionsOnly)),
            ("skipped", .int(tally.skipped)),
            ("failed", .int(tally.failedCount)),
            ("retried", .int(tally.retried)),
            ("canceled", .int(tally.canceled)),
            ("wall_time_seconds", .double(Format.seconds(wallTime))),
            ("data_dir", .string(dataDirectory.root.path)),
            ("library", .string(dataDirectory.library.path)),
            ("renditions_backend", renditionsBackend.map(JSONValue.string) ?? .null),
            ("failures", problems(tally.failed)),
            ("issues", problems(tally.issues)),
            ("renditions_failed", .array(renditionsFailed.map(Self.json))),
            ("renditions_failed_earlier", .array(renditionsFailedEarlier.map(Self.json))),
        ])
    }

    static func json(_ failed: JobRenditionFailure) -> JSONValue {
        .object([
            ("item", .string(failed.itemKey)), ("title", .string(failed.title)), ("profile", .string(failed.failure.profile)),
            ("error", .string(failed.failure.error)), ("job_id", failed.failure.jobID.map { .int(Int($0)) } ?? .null),
        ])
    }
}
