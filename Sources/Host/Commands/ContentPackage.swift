import Engine
import Foundation
import Stages

/// One item's complete data as a folder (`engine package export`): `metadata.json` (the item,
/// its creators and collections, the probe, every file with its size, SHA-256, library locator
/// and the key it was made from), `RELEASE_INFO.txt`, `processors/<name>.json`, the files under
/// `media/` (not with `--no-media`), and `SHA256SUMS` over all of them. A package is named by
/// its original's content (`<uuid>`: the first 128 bits of the SHA-256, as a UUID) and numbered
/// (`<version>`): the same item exported again makes no new version unless something changed.
enum ContentPackage {
    struct File: Sendable {
        var role: String  // original, rendition, peaks, poster
        var name: String?  // a rendition's profile, a derived file's name
        var stored: StoredFile
        var key: OutputKey?
        /// The path in the package (`media/…`).
        var path: String
    }

    /// The package id of an original: its SHA-256's first 16 bytes as a UUID (version 8, RFC 9562).
    static func id(of sha256: String) -> String {
        var hex = Array(sha256.prefix(32))
        guard hex.count == 32 else { return sha256 }
        hex[12] = "8"
        hex[16] = Character(String(8 + (Int(String(hex[16]), radix: 16) ?? 0) & 3, radix: 16))
        let text = String(hex)
        return [text.prefix(8), text.dropFirst(8).prefix(4), text.dropFirst(12).prefix(4), text.dropFirst(16).prefix(4), text.dropFirst(20)]
            .joined(separator: "-")
    }

    /// The files of a stored item, each with its path in the package.
    static func files(of entry: LibraryEntry, store: any EngineStore) async throws -> [File] {
        guard let original = entry.file else { return [] }
        var files = [File(role: "original", stored: original, path: "media/original" + ext(original.locator))]
        for rendition in entry.renditions {
            files.append(File(role: "rendition", name: rendition.profile, stored: rendition.file, key: rendition.key, path: "media/\(safe(rendition.profile))" + ext(rendition.file.locator)))
        }
        for derived in try await store.derivedFiles(parentAssetID: original.assetID) {
            files.append(
                File(
                    role: derived.kind.rawValue, name: derived.name, stored: derived.file, key: derived.key,
                    path: "media/\(derived.kind.rawValue)-\(safe(derived.name))" + ext(derived.file.locator)))
        }
        return files
    }

    static func ext(_ locator: String) -> String {
        let ext = (locator as NSString).pathExtension
        return ext.isEmpty ? "" : "." + ext
    }

    static func safe(_ name: String) -> String { LibraryPath.component(name, fallback: "file") }

    static func keyJSON(_ key: OutputKey?) -> JSONValue {
        guard let key else { return .null }
        return .object([("input", .string(key.input)), ("settings", .string(key.settings)), ("tools", .string(key.tools))])
    }

    static func key(_ value: JSONValue?) -> OutputKey? {
        guard case .string(let input)? = value?["input"], case .string(let settings)? = value?["settings"], case .string(let tools)? = value?["tools"]
        else { return nil }
        return OutputKey(input: input, settings: settings, tools: tools)
    }

    /// `metadata.json` of an item.
    static func metadata(
        _ entry: LibraryEntry, id: String, collections: [ItemCollection], probe: String?, files: [File], media: Bool
    ) -> JSONValue {
        let probeJSON = probe.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) } ?? .null
        let item: [(key: String, value: JSONValue)] = [
            ("source", .string(entry.source)), ("remote_id", .string(entry.remoteID)), ("title", .string(entry.title)),
            ("creators", .array(entry.creators.map(JSONValue.string))), ("duration", entry.duration.map(JSONValue.double) ?? .null),
            ("media_kind", entry.mediaKind.map(JSONValue.string) ?? .null), ("url", entry.url.map(JSONValue.string) ?? .null),
            ("published", entry.published.map { .double($0.timeIntervalSince1970) } ?? .null),
            ("episode", entry.episode.map { .int($0) } ?? .null), ("season", entry.season.map { .int($0) } ?? .null),
        ]
        let listed: [JSONValue] = collections.map { collection in
            .object([
                ("source", .string(collection.source)), ("kind", .string(collection.kind)), ("locator", .string(collection.locator)),
                ("title", collection.title.map(JSONValue.string) ?? .null), ("position", collection.position.map { .int($0) } ?? .null),
            ])
        }
        let described: [JSONValue] = files.map { file in
            .object([
                ("role", .string(file.role)), ("name", file.name.map(JSONValue.string) ?? .null),
                ("format", file.stored.format.map(JSONValue.string) ?? .null), ("size", .int(file.stored.size)),
                ("sha256", .string(file.stored.sha256)), ("locator", .string(file.stored.locator)),
                ("path", media ? .string(file.path) : .null), ("made_from", keyJSON(file.key)),
            ])
        }
        return .object([("package", .string(id)), ("item", .object(item)), ("collections", .array(listed)), ("probe", probeJSON), ("files", .array(described))])
    }

    /// Verifies a package folder against its `SHA256SUMS`: every listed file there with its
    /// digest, and nothing else beside them. Throws naming the first file that is not.
    static func verify(_ folder: URL) throws -> [String: String] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("SHA256SUMS"), encoding: .utf8) else {
            throw PackageError.invalid(folder.path, "SHA256SUMS is missing")
        }
        var listed: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw PackageError.invalid(folder.path, "SHA256SUMS: a line is not `DIGEST  PATH`") }
            let path = parts[1].hasPrefix(" ") || parts[1].hasPrefix("*") ? String(parts[1].dropFirst()) : String(parts[1])
            guard !path.split(separator: "/").contains(".."), !path.hasPrefix("/") else { throw PackageError.invalid(folder.path, "SHA256SUMS names \(path)") }
            listed[path] = String(parts[0])
        }
        let present = Set(LibraryScan.files(under: folder).filter { $0 != "SHA256SUMS" })
        if let extra = present.subtracting(listed.keys).sorted().first { throw PackageError.invalid(folder.path, "\(extra) is not in SHA256SUMS") }
        for (path, digest) in listed.sorted(by: { $0.key < $1.key }) {
            guard present.contains(path) else { throw PackageError.invalid(folder.path, "\(path) is missing") }
            let (actual, _) = try FileChecksummer().sha256(path: folder.appendingPathComponent(path).path)
            guard actual.hex == digest else { throw PackageError.invalid(folder.path, "\(path) changed (SHA-256 \(actual.hex), listed \(digest))") }
        }
        return listed
    }
}

enum PackageError: Error, CustomStringConvertible {
    case invalid(String, String)
    var description: String {
        switch self {
        case .invalid(let folder, let reason): "package \(folder): \(reason)"
        }
    }
}
