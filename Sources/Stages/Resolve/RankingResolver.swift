import Engine
public import Foundation

/// Finds every candidate for an item across the configured sources — the item's own URL (a
/// candidate of its source) and each search endpoint's results — scores them
/// (`CandidateScore`), and ranks those it accepts. Earlier attempts' failures are excluded and
/// their sources demoted for the item.
public struct RankingResolver: Sendable {
    public let plan: ResolvePlan
    let fetcher: PageFetcher
    let environment: [String: String]

    public init(plan: ResolvePlan, fetcher: PageFetcher, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.plan = plan
        self.fetcher = fetcher
        self.environment = environment
    }

    /// A candidate before scoring.
    struct Found {
        var source: String
        var url: String
        var title: String?
        var creators: [String]
        var duration: Double?
        var format: String?
        var bitrate: Double?
        var size: Int64?
        /// The item's own URL: the item itself, a sure match whatever its title says.
        var isOwn = false
    }

    /// What the ranking chose: the trace, the chosen candidate (its URL unredacted) and how many
    /// accepted candidates rank below it.
    struct Ranking {
        var trace: ResolveTrace
        var chosen: Found?
        var alternatives: Int
        /// Every candidate found (ranked again without failures when all of them failed).
        var found: [Found]
    }

    /// The ranking for `item`: `own` are its own URLs (from the direct and bucket resolvers),
    /// `failures` what earlier attempts tried in vain.
    func resolve(_ item: MediaItem, own: [String], failures: [ResolveTrace.Failure], attempt: Int) async -> Ranking {
        var found = own.map {
            Found(
                source: item.source, url: $0, title: item.title, creators: item.creators, duration: item.durationHint,
                format: URL(string: $0)?.pathExtension.lowercased().nilIfEmpty, bitrate: nil, size: nil, isOwn: true)
        }
        var searchErrors: [String] = []
        for source in plan.sources where source.url != nil && source.name != item.source {
            do {
                found += try await search(source, for: item)
            } catch is CancellationError {
                break
            } catch {
                searchErrors.append("\(source.name): \(error)")
            }
        }
        return rank(found, for: item, failures: failures, attempt: attempt, searchErrors: searchErrors)
    }

    func rank(_ found: [Found], for item: MediaItem, failures: [ResolveTrace.Failure], attempt: Int, searchErrors: [String]) -> Ranking {
        let order = Dictionary(plan.sources.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        // A failure is matched on what stays the same between attempts: the source and the URL
        // without its query (a signed or expiring URL changes its query every time); the item's
        // own URL by its source alone.
        func identity(_ source: String, _ url: String) -> String { "\(source) \(url.prefix { $0 != "?" })" }
        let failed = Set(failures.map { identity($0.source, $0.url) })
        let demoted = Set(failures.map(\.source))
        var scored: [(candidate: ResolveTrace.Candidate, quality: CandidateScore.Quality, order: Int)] = []
        for candidate in found {
            let shown = Redaction.url(candidate.url)
            let title = candidate.isOwn ? 1 : candidate.title.map { CandidateScore.similarity(item.title, $0) } ?? 0
            let creators = candidate.isOwn ? nil : CandidateScore.creatorSimilarity(item.creators, candidate.creators)
            let delta = candidate.isOwn ? nil : item.durationHint.flatMap { mine in candidate.duration.map { abs(mine - $0) } }
            let confidence = creators.map { 0.7 * title + 0.3 * $0 } ?? title
            let quality = CandidateScore.quality(format: candidate.format, bitrate: candidate.bitrate)
            var reason = ""
            if let delta, delta > plan.durationTolerance {
                reason = String(format: "rejected: duration off by %.1f s (tolerance %.1f s)", delta, plan.durationTolerance)
            } else if confidence < plan.minConfidence {
                reason = String(format: "rejected: confidence %.2f below %.2f", confidence, plan.minConfidence)
            } else if failed.contains(identity(candidate.source, shown)) || (candidate.isOwn && demoted.contains(candidate.source)) {
                reason = "failed on an earlier attempt"
            }
            let verdict = reason.hasPrefix("rejected") ? "rejected" : reason.isEmpty ? "candidate" : "failed"
            scored.append((
                ResolveTrace.Candidate(
                    source: candidate.source, url: shown, title: candidate.title, creators: candidate.creators, duration: candidate.duration,
                    format: candidate.format, bitrate: candidate.bitrate, size: candidate.size, titleScore: title, creatorScore: creators,
                    durationDelta: delta, confidence: confidence, quality: quality.name, verdict: verdict, reason: reason, rank: nil),
                quality, order[candidate.source] ?? plan.sources.count
            ))
        }
        // Confidence in two bands (a sure match, ≥ 0.95, before a likely one), then quality, the
        // larger file, the source order; a demoted source after every other.
        let ranked = scored.indices.filter { scored[$0].candidate.verdict == "candidate" }.sorted { a, b in
            let x = scored[a], y = scored[b]
            let key = { (entry: (candidate: ResolveTrace.Candidate, quality: CandidateScore.Quality, order: Int)) in
                (demoted.contains(entry.candidate.source) ? 1 : 0, entry.candidate.confidence >= 0.95 ? 0 : 1, -entry.quality.rawValue,
                 -(entry.candidate.size ?? -1), entry.order)
            }
            return key(x) < key(y)
        }
        for (rank, index) in ranked.enumerated() {
            scored[index].candidate.rank = rank + 1
            scored[index].candidate.verdict = rank == 0 ? "chosen" : "candidate"
            let why = rank == 0 ? "best" : "ranked \(rank + 1)"
            scored[index].candidate.reason = demoted.contains(scored[index].candidate.source) ? "\(why) (source demoted: it failed this item)" : why
        }
        let chosen = ranked.first.map { found[$0] }
        let trace = ResolveTrace(
            attempt: attempt, candidates: scored.map(\.candidate), chosen: chosen.map { Redaction.url($0.url) }, chosenSource: chosen?.source,
            failures: failures, searchErrors: searchErrors)
        return Ranking(trace: trace, chosen: chosen, alternatives: max(0, ranked.count - 1), found: found)
    }

    /// One search: the URL template filled from the item, its results by the field mapping.
    func search(_ source: ResolvePlan.Source, for item: MediaItem) async throws -> [Found] {
        guard let template = source.url else { return [] }
        let creator = item.creators.first ?? ""
        let values = [
            "{title}": item.title, "{creator}": creator, "{creators}": item.creators.joined(separator: ", "),
            "{query}": creator.isEmpty ? item.title : "\(creator) \(item.title)",
            "{duration}": item.durationHint.flatMap { (0...1e7).contains($0) ? String(Int($0.rounded())) : nil } ?? "",
        ]
        guard let url = URL(string: JSONEndpoint.fill(template, values)) else { throw SearchError(reason: "the URL template makes no URL") }
        let headers = try JSONEndpoint.headers(source.headers, environment: environment)
        let text = try await fetcher.fetch(url, headers: headers).text
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw SearchError(reason: "the answer is not JSON")
        }
        guard case .array(let results)? = source.list.isEmpty ? document : JSONPath.value(source.list, in: document) else {
            throw SearchError(reason: "no list at '\(source.list)'")
        }
        return results.compactMap { result in
            func text(_ field: String) -> String? { source.fields[field].flatMap { JSONPath.text(JSONPath.value($0, in: result)) } }
            func number(_ field: String, _ range: ClosedRange<Double>) -> Double? {
                source.fields[field].flatMap { JSONPath.number(JSONPath.value($0, in: result), in: range) }
            }
            guard let reference = text("url"), let resolved = URL(string: reference, relativeTo: url)?.absoluteURL,
                ["http", "https"].contains(resolved.scheme?.lowercased() ?? "")
            else { return nil }
            let duration = number("duration", 0...1e10).map { source.durationInMilliseconds ? $0 / 1000 : $0 }
            return Found(
                source: source.name, url: resolved.absoluteString, title: text("title"),
                creators: source.fields["creators"].map { JSONPath.values($0, in: result).compactMap(JSONPath.text) } ?? [],
                duration: duration, format: text("format")?.lowercased(), bitrate: number("bitrate", 0...1e6),
                size: number("size", 0...1e15).map { Int64($0) })
        }
    }

    struct SearchError: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
