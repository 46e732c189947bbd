import Engine
import Foundation
import Stages

/// Registers one verified content package in a store and its library: the item (with its
/// collections), the probe, the original, renditions and derived files (placed in the library
/// at their locators, or beside them when taken by other bytes), the processor results.
/// Every step is one the pipeline uses and is idempotent; the package's version is recorded.
struct PackageImporter {
    let store: any EngineStore
    let library: LocalLibrary
    let temporary: URL

    func importPackage(_ folder: URL) async throws -> String {
        let data = try Data(contentsOf: folder.appendingPathComponent("metadata.json"))
        let metadata = try JSONDecoder().decode(JSONValue.self, from: data)
        guard case .string(let id)? = metadata["package"], case .object? = metadata["item"], let version = Int(folder.lastPathComponent)
        else { throw PackageError.invalid(folder.path, "metadata.json names no package, or the folder is not a version number") }
        if let imported = try await store.importedPackageVersion(id), imported >= version {
            return "\(id)/\(version): already imported (version \(imported)); nothing changed"
        }
        let item = metadata["item"]!
        func text(_ value: JSONValue?) -> String? { if case .string(let text)? = value { text } else { nil } }
        func number(_ value: JSONValue?) -> Double? {
            switch value {
            case .double(let number)?: number
            case .int(let number)?: Double(number)
            default: nil
            }
        }
        guard let source = text(item["source"]), let remoteID = text(item["remote_id"]), let title = text(item["title"]) else {
            throw PackageError.invalid(folder.path, "metadata.json: the item has no source, remote_id or title")
        }
        var media = MediaItem(
            source: source, remoteID: remoteID, title: title,
            creators: { if case .array(let names)? = item["creators"] { names.compactMap(text) } else { [] } }(),
            durationHint: number(item["duration"]), url: text(item["url"]) ?? "package:\(id)")
        media.published = number(item["published"]).map(Date.init(timeIntervalSince1970:))
        media.episode = number(item["episode"]).map { Int($0) }
        media.season = number(item["season"]).map { Int($0) }
        var itemID = try await store.upsertItem(media).itemID
        if case .array(let collections)? = metadata["collections"] {
            for collection in collections {
                guard let locator = text(collection["locator"]), let kind = text(collection["kind"]).flatMap(CollectionRef.Kind.init(rawValue:)) else { continue }
                media.collection = CollectionRef(kind: kind, locator: locator, title: text(collection["title"]))
                media.position = number(collection["position"]).map { Int($0) }
                itemID = try await store.upsertItem(media).itemID
            }
        }
        if let probe = metadata["probe"], probe.isNotNull {
            try await store.saveProcessorResult(
                itemID: itemID, processor: "probe", version: ProbeStage.processorVersion, json: probe.serialized(pretty: false), description: nil, lease: nil)
        }
        guard case .array(let files)? = metadata["files"], let original = files.first(where: { text($0["role"]) == "original" }),
            let originalSHA = text(original["sha256"]), let originalSize = number(original["size"])
        else { throw PackageError.invalid(folder.path, "metadata.json lists no original") }
        let description = ItemDescription(title: title, creators: media.creators, duration: media.durationHint, mediaKind: text(item["media_kind"]))
        let originalAsset: Int64
        var placed = 0
        if let path = text(original["path"]), let locator = text(original["locator"]) {
            let stored = try await store.recordOriginal(
                itemID: itemID, sha256: originalSHA, size: Int64(originalSize), format: text(original["format"]), backend: LocalLibrary.backendName,
                locator: try await place(folder.appendingPathComponent(path), sha256: originalSHA, at: locator), description: description, lease: nil)
            originalAsset = stored.assetID
            placed += 1
        } else {
            originalAsset = try await store.recordOriginalAsset(sha256: originalSHA, size: Int64(originalSize), format: text(original["format"]), lease: nil)
        }
        for file in files where text(file["role"]) != "original" {
            guard let path = text(file["path"]), let locator = text(file["locator"]), let sha = text(file["sha256"]), let size = number(file["size"]),
                let name = text(file["name"])
            else { continue }
            let at = try await place(folder.appendingPathComponent(path), sha256: sha, at: locator)
            let key = ContentPackage.key(file["made_from"])
            if text(file["role"]) == "rendition" {
                _ = try await store.recordRendition(
                    itemID: itemID, originalSHA256: originalSHA, profile: name, sha256: sha, size: Int64(size), format: text(file["format"]),
                    warnings: [], key: key, backend: LocalLibrary.backendName, locator: at, lease: nil)
            } else if let kind = text(file["role"]).flatMap(DerivedKind.init(rawValue:)) {
                _ = try await store.recordDerivedFile(
                    itemID: itemID, parentAssetID: originalAsset, kind: kind, name: name, sha256: sha, size: Int64(size), format: text(file["format"]),
                    key: key ?? OutputKey(input: originalSHA, settings: "", tools: ""), backend: LocalLibrary.backendName, locator: at, lease: nil)
            }
            placed += 1
        }
        var results = 0
        let processors = folder.appendingPathComponent("processors")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: processors.path)) ?? []).sorted() where name.hasSuffix(".json") {
            let record = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: processors.appendingPathComponent(name)))
            guard let processor = text(record["processor"]), let version = number(record["version"]), let key = ContentPackage.key(record["made_from"]),
                let result = record["result"]
            else { throw PackageError.invalid(folder.path, "processors/\(name) is not a processor result") }
            try await store.saveAssetResult(
                assetID: originalAsset, processor: processor, version: Int(version), key: key, json: result.serialized(pretty: false), lease: nil)
            results += 1
        }
        try await store.recordPackageImport(id, version: version, itemID: itemID)
        return "\(id)/\(version): imported \(source):\(remoteID), \(placed) file(s), \(results) processor result(s)"
    }

    /// Copies a package file into the library at `locator` (or a content-tagged name beside it
    /// when other bytes hold that one; one holding these bytes is taken as it is).
    private func place(_ file: URL, sha256: String, at locator: String) async throws -> String {
        let temp = temporary.appendingPathComponent("\(UUID().uuidString).import").path
        defer { unlink(temp) }
        return try await BlockingIO.run { [library] in
            try FileManager.default.copyItem(atPath: file.path, toPath: temp)
            return try library.place(temp, sha256: sha256, candidates: LibraryPath.candidates(locator, sha256: sha256))
        }
    }
}

extension JSONValue {
    var isNotNull: Bool { if case .null = self { false } else { true } }
}
