import Foundation

/// What a made output (a processor's result, a peaks file, a poster) was made from: the
/// input's content, the canonical settings that shaped it, and the versions of the code that
/// made it. An output whose key differs from the one its stage would use now is out of date.
public struct OutputKey: Sendable, Hashable, Codable {
    /// SHA-256 of the input (the original).
    public var input: String
    /// A hash of the stage's canonical settings (a processor's options, a profile's settings).
    public var settings: String
    /// The processor's own version and the libraries it used, e.g. `loudness 1; libebur128 1.2.6`.
    public var tools: String

    public init(input: String, settings: String, tools: String) {
        self.input = input
        self.settings = settings
        self.tools = tools
    }

    /// A key kept as JSON text (nil for none, or text that is not one).
    public init?(json: String?) {
        guard let json, let key = try? JSONDecoder().decode(OutputKey.self, from: Data(json.utf8)) else { return nil }
        self = key
    }

    /// The key as the stores keep it (`made_from`).
    public var json: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) }

    /// The parts of the key that differ from `other` (`input`, `settings`, `tools`).
    public func changes(from other: OutputKey) -> [String] {
        [("input", input != other.input), ("settings", settings != other.settings), ("tools", tools != other.tools)]
            .filter(\.1).map(\.0)
    }
}

/// A processor's stored result for an asset, with the key it was made from.
public struct ProcessorRecord: Sendable, Equatable {
    public var assetID: Int64
    public var processor: String
    public var version: Int
    public var key: OutputKey
    /// The result as JSON text.
    public var json: String
    /// When it was saved (UTC, `YYYY-MM-DD HH:MM:SS`).
    public var created: String

    /// The result read as JSON (nil for text that is not JSON).
    public var result: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) }

    public init(assetID: Int64, processor: String, version: Int, key: OutputKey, json: String, created: String) {
        self.assetID = assetID
        self.processor = processor
        self.version = version
        self.key = key
        self.json = json
        self.created = created
    }
}

/// A file made from an original that is not a rendition: waveform peaks, scene posters.
public enum DerivedKind: String, Sendable, CaseIterable, Codable {
    case peaks
    case poster
}

/// A stored derived file of an original: its kind, its name among the original's files of that
/// kind (`peaks`, `poster-0001`), where it is, and the key it was made from.
public struct DerivedFile: Sendable, Equatable {
    public var kind: DerivedKind
    public var name: String
    public var file: StoredFile
    public var key: OutputKey?

    public init(kind: DerivedKind, name: String, file: StoredFile, key: OutputKey?) {
        self.kind = kind
        self.name = name
        self.file = file
        self.key = key
    }
}
