import Foundation

/// The resolver's reasoning for one item, kept with its job item: every candidate with its
/// scores and verdict, the searches that failed, and the candidates that failed after being
/// chosen (their source demoted for the item).
package struct ResolveTrace: Sendable, Codable, Equatable {
    public struct Candidate: Sendable, Codable, Equatable {
        public var source: String
        /// Redacted (no password or token).
        public var url: String
        public var title: String?
        public var creators: [String]
        public var duration: Double?
        public var format: String?
        public var bitrate: Double?
        public var size: Int64?
        public var titleScore: Double
        public var creatorScore: Double?
        public var durationDelta: Double?
        public var confidence: Double
        public var quality: String
        /// chosen, candidate (ranked below the chosen), rejected, failed.
        public var verdict: String
        /// Why rejected or failed; for the others, their rank.
        public var reason: String
        public var rank: Int?
    }

    public struct Failure: Sendable, Codable, Equatable {
        public var source: String
        public var url: String
        public var attempt: Int
        public var error: String
    }

    public var attempt: Int
    public var candidates: [Candidate]
    public var chosen: String?
    public var chosenSource: String?
    public var failures: [Failure]
    /// Searches that failed: `source: error`.
    public var searchErrors: [String]

    public var json: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func decode(_ text: String) -> ResolveTrace? {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(ResolveTrace.self, from: Data(text.utf8))
    }

    /// The trace as lines for `engine items show --explain`.
    public var explanation: [String] {
        var lines = ["attempt \(attempt): " + (chosen.map { "downloading from \(chosenSource ?? "?"): \($0)" } ?? "no candidate left")]
        for candidate in candidates.sorted(by: { ($0.rank ?? Int.max, $0.source) < ($1.rank ?? Int.max, $1.source) }) {
            let scores = String(format: "confidence %.2f (title %.2f", candidate.confidence, candidate.titleScore)
                + (candidate.creatorScore.map { String(format: ", creators %.2f", $0) } ?? "")
                + (candidate.durationDelta.map { String(format: ", duration off by %.1f s", $0) } ?? "") + ")"
            let quality = [candidate.quality, candidate.format, candidate.bitrate.flatMap { Int(exactly: $0.rounded()) }.map { "\($0) kb/s" }, candidate.size.map { "\($0) bytes" }]
                .compactMap { $0 }.joined(separator: ", ")
            lines.append("  [\(candidate.verdict)] \(candidate.source): \(candidate.title ?? "?") — \(scores); \(quality) — \(candidate.reason)")
            lines.append("      \(candidate.url)")
        }
        for failure in failures { lines.append("  failed on attempt \(failure.attempt): \(failure.source): \(failure.error)") }
        for error in searchErrors { lines.append("  search failed: \(error)") }
        return lines
    }
}
