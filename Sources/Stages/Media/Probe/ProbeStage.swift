public import Engine
import Logging

/// Probes the downloaded file in-process, keeps the result (ffprobe JSON) as the item's
/// `probe` processor result, and fills what the collector did not know (title and artist
/// tags, duration, media kind). A file with no audio or video fails the item.
///
/// With `storedOriginals` (a `reprocess` job) it probes what the library holds instead of a
/// download, and the item's description is updated with the result.
public struct ProbeStage: OriginalStage {
    public static let processorVersion = 1

    public let store: any CatalogStore
    public let prober: MediaProber
    public let storedOriginals: LocalLibrary?

    public init(store: any CatalogStore, prober: MediaProber = MediaProber(), storedOriginals: LocalLibrary? = nil) {
        self.store = store
        self.prober = prober
        self.storedOriginals = storedOriginals
    }

    public func handles(_ item: MediaItem) -> Bool { storedOriginals != nil || !item.originalAlreadyStored }

    public var name: String { "probe" }
    /// More workers than cores: the cpu lane bounds the probes, and the workers waiting on
    /// their results' commits let those commits share transactions.
    public var concurrency: Int { max(LaneLimits.cores, 8) }
    public var lane: LaneKind? { .cpu }
    /// The cpu slot covers the probe, not the commit of its result.
    public var takesLaneItself: Bool { true }

    public func process(_ item: MediaItem, context: StageContext) async throws -> StageResult<MediaItem> {
        guard let file = storedOriginals.map({ library in item.locator.flatMap(library.path(for:)) }) ?? item.downloadedFile else {
            throw StageInputError(item: item.key, stage: name, missing: storedOriginals == nil ? "a download" : "a stored original")
        }
        let prober = prober
        let result: ProbeResult
        do {
            result = try await context.withLane(.cpu) { try await BlockingIO.run { try prober.probe(file) } }.withFilename(item.url)
        } catch let error as ProbeError {
            throw error.with(path: item.url)
        }
        guard result.mediaKind != .other else {
            throw ProbeError.noStreams(path: item.url)
        }
        var item = item
        item.containerFormat = result.format.formatName
        item.mediaKind = result.mediaKind.rawValue
        item.duration = result.format.duration ?? item.durationHint
        let (tags, readings) = Self.readLegacyText(result.format.tags, format: result.format.formatName)
        for (tag, reading) in readings where !reading.certain {
            Self.logger.warning(
                "tag text kept as Latin-1: its encoding is uncertain",
                metadata: ["item.key": "\(item.key)", "tag": "\(tag)", "guess": "\(reading.guess ?? "")"])
        }
        if item.titleIsFileName, let title = tags.value(for: "title"), !title.isEmpty {
            item.title = title
            item.titleIsFileName = false
        }
        if item.creators.isEmpty, let artist = tags.value(for: "artist") ?? tags.value(for: "album_artist"), !artist.isEmpty {
            item.creators = [artist]
        }
        if let id = item.catalogID {
            // An ingest records the description with the original it stores; a reprocess here.
            let description =
                storedOriginals == nil
                ? nil : ItemDescription(title: item.title, creators: item.creators, duration: item.duration, mediaKind: item.mediaKind)
            var json = result.ffprobeJSON
            if !readings.isEmpty, case .object(var members) = json {
                // How legacy tag text was read: its encoding, and whether the reading is certain.
                members.append(("tag_text", .array(readings.map { tag, reading in
                    .object([
                        ("tag", .string(tag)), ("text", .string(reading.text)), ("encoding", reading.encoding.map(JSONValue.string) ?? .null),
                        ("certain", .bool(reading.certain)), ("guess", reading.guess.map(JSONValue.string) ?? .null),
                    ])
                })))
                json = .object(members)
            }
            try await store.saveProcessorResult(
                itemID: id, processor: "probe", version: Self.processorVersion, json: json.serialized(pretty: false),
                description: description, lease: item.lease)
        }
        return .forward(item)
    }
}

extension ProbeStage {
    static let logger = Logger(label: "stages.probe")
    /// Containers whose tags are ID3 (v1, or v2 frames marked Latin-1 that may hold a local code page).
    static let id3Formats: Set<String> = ["mp3", "aac", "wav", "aiff"]

    /// The tags with the naming ones (title, artist, album artist, album) read back from a
    /// legacy code page (`LegacyTagText`), and how each such value was read.
    static func readLegacyText(_ tags: [MediaTag], format: String?) -> ([MediaTag], [(String, LegacyTagText.Reading)]) {
        guard let format, !id3Formats.isDisjoint(with: format.split(separator: ",").map(String.init)) else { return (tags, []) }
        var readings: [(String, LegacyTagText.Reading)] = []
        let naming: Set<String> = ["title", "artist", "album_artist", "album"]
        let read = tags.map { tag -> MediaTag in
            guard naming.contains(tag.key.lowercased()) else { return tag }
            let reading = LegacyTagText.read(tag.value)
            guard reading.encoding != nil else { return tag }
            readings.append((tag.key, reading))
            return MediaTag(key: tag.key, value: reading.text)
        }
        return (read, readings)
    }
}

extension ProbeResult {
    /// The same result reported under another name (the item's URL rather than a temp path).
    func withFilename(_ name: String) -> ProbeResult {
        var copy = self
        copy.format.filename = name
        return copy
    }
}
