import ArgumentParser
import Engine
import Foundation
import PostgresStore
import Stages

/// `engine package export|import`: one item's complete data between environments (a `dev`
/// profile and `prod`, two machines).
struct PackageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package", abstract: "Move items' complete data between environments as content packages.",
        subcommands: [PackageExportCommand.self, PackageImportCommand.self])
}

/// `engine package export QUERY... --to DIR [--no-media]`: each stored item the query matches
/// as `DIR/<uuid>/<version>/` (see `ContentPackage`).
struct PackageExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write each matching stored item as a content package.")

    @Argument(help: "Query terms, as `engine items` takes them.") var query: [String] = []
    @Option(help: "The folder the packages go into.") var to: String
    @Flag(help: "Leave the media files out (metadata, processor results and checksums only).") var noMedia = false
    @OptionGroup var data: DataDirOptions

    func validate() throws { _ = try ItemQuery(query) }

    func run() async throws {
        let (settings, store) = try await data.existingStore(command: "package export")
        let library = LocalLibrary(root: settings.directory.library)
        let matcher = try ItemQuery(query)
        let entries = try await store.libraryItems(includingUnstored: false).filter { matcher.matches($0) && $0.file?.backend == LocalLibrary.backendName }
        guard !entries.isEmpty else {
            Output.error("package export", "no stored item matches")
            throw EngineExit.failures
        }
        let root = URL(fileURLWithPath: to).standardizedFileURL
        for entry in entries {
            do {
                Output.line(try await export(entry, store: store, library: library, root: root))
            } catch {
                Output.error("package export", "\(entry.source):\(entry.remoteID): \(error)")
                throw EngineExit.failures
            }
        }
    }

    private func export(_ entry: LibraryEntry, store: any EngineStore, library: LocalLibrary, root: URL) async throws -> String {
        guard let original = entry.file else { throw PackageError.invalid(entry.title, "not stored") }
        let id = ContentPackage.id(of: original.sha256)
        let files = try await ContentPackage.files(of: entry, store: store)
        let results = try await store.assetResults(assetID: original.assetID)
        let probe = try await store.processorResult(itemID: entry.itemID, processor: "probe")
        let collections = try await store.itemCollections(itemID: entry.itemID)
        let folder = root.appendingPathComponent(id)
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).compactMap(Int.init).sorted()
        let building = folder.appendingPathComponent(".partial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: building) }
        try FileManager.default.createDirectory(at: building.appendingPathComponent("processors"), withIntermediateDirectories: true)
        var written: [(path: String, bytes: Data?)] = [(
            "metadata.json",
            Data(ContentPackage.metadata(entry, id: id, collections: collections, probe: probe, files: files, media: !noMedia).serialized().utf8)
        )]
        for record in results {
            written.append((
                "processors/\(ContentPackage.safe(record.processor)).json",
                Data(JSONValue.object([
                    ("processor", .string(record.processor)), ("version", .int(record.version)),
                    ("made_from", ContentPackage.keyJSON(record.key)), ("result", record.result ?? .null),
                ]).serialized().utf8)
            ))
        }
        let next = (versions.last ?? 0) + 1
        if !noMedia {
            for file in files {
                guard let source = library.path(for: file.stored.locator), FileManager.default.fileExists(atPath: source) else {
                    throw PackageError.invalid(entry.title, "its file \(file.stored.locator) is missing from the library")
                }
                let target = building.appendingPathComponent(file.path)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                if link(source, target.path) != 0 { try FileManager.default.copyItem(atPath: source, toPath: target.path) }
                written.append((file.path, nil))
            }
        }
        for (path, bytes) in written { if let bytes { try bytes.write(to: building.appendingPathComponent(path)) } }
        var sums = ""
        for path in written.map(\.path) {
            let digest = try FileChecksummer().sha256(path: building.appendingPathComponent(path).path).digest.hex
            sums += "\(digest)  \(path)\n"
        }
        // Unchanged since the last version (every file but RELEASE_INFO.txt): no new one.
        if let last = versions.last, Self.sameContent(folder.appendingPathComponent(String(last)), sums: sums) {
            return "\(id)/\(last): unchanged (\(entry.source):\(entry.remoteID))"
        }
        let info = """
            package_version: \(next)
            engine_version: \(ProgramVersion.number)
            schema_migration: \((store is PostgresJobStore ? PostgresJobStore.knownMigrations : SQLiteJobStore.knownMigrations).last ?? "")
            created_at: \(ISO8601DateFormatter().string(from: Date()))

            """
        try Data(info.utf8).write(to: building.appendingPathComponent("RELEASE_INFO.txt"))
        sums += "\(try FileChecksummer().sha256(path: building.appendingPathComponent("RELEASE_INFO.txt").path).digest.hex)  RELEASE_INFO.txt\n"
        let sorted = sums.split(separator: "\n").sorted { $0.dropFirst(66) < $1.dropFirst(66) }.joined(separator: "\n") + "\n"
        try Data(sorted.utf8).write(to: building.appendingPathComponent("SHA256SUMS"))
        try FileManager.default.moveItem(at: building, to: folder.appendingPathComponent(String(next)))
        return "\(id)/\(next): \(files.count) file(s)\(noMedia ? " listed (no media)" : ""), \(results.count) processor result(s) (\(entry.source):\(entry.remoteID))"
    }

    /// True when the package at `previous` lists what `sums` lists (RELEASE_INFO.txt aside).
    static func sameContent(_ previous: URL, sums: String) -> Bool {
        guard let old = try? String(contentsOf: previous.appendingPathComponent("SHA256SUMS"), encoding: .utf8) else { return false }
        func entries(_ text: String) -> Set<Substring> { Set(text.split(separator: "\n").filter { !$0.hasSuffix("  RELEASE_INFO.txt") }) }
        return entries(old) == entries(sums)
    }
}

/// `engine package import DIR... [--profile P]`: content packages into this profile's store and
/// library. Every package's checksums are verified before anything is written (a changed,
/// missing or unlisted file refuses them all, naming it); a package already imported at this
/// version (or a newer one) changes nothing; a newer version replaces what the older gave.
struct PackageImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import content packages, verified first, into this profile.")

    @Argument(help: "Package folders: a `<uuid>/<version>`, a `<uuid>` (its newest version) or a folder of them.") var folders: [String]
    @OptionGroup var data: DataDirOptions

    func validate() throws { if folders.isEmpty { throw ValidationError("name at least one package folder") } }

    func run() async throws {
        let settings = data.settings()
        var packages: [URL] = []
        for folder in folders { packages += Self.versions(in: URL(fileURLWithPath: folder).standardizedFileURL) }
        guard !packages.isEmpty else {
            Output.error("package import", "no package in \(folders.joined(separator: ", ")) (a folder with metadata.json and SHA256SUMS)")
            throw EngineExit.usage
        }
        do {
            for package in packages { _ = try await BlockingIO.run { try ContentPackage.verify(package) } }
        } catch {
            Output.error("package import", "\(error); nothing was imported")
            throw EngineExit.failures
        }
        try settings.directory.prepare()
        let lock = try settings.directory.lockIdle(command: "package import")
        defer { withExtendedLifetime(lock) {} }
        let store = try await settings.storeLocation.open()
        let importer = PackageImporter(store: store, library: LocalLibrary(root: settings.directory.library), temporary: settings.directory.temporary)
        for package in packages {
            do {
                Output.line(try await importer.importPackage(package))
            } catch {
                Output.error("package import", "\(package.path): \(error)")
                throw EngineExit.failures
            }
        }
    }

    /// The package versions a folder names: itself, its newest version, or each package's newest.
    static func versions(in folder: URL) -> [URL] {
        let files = FileManager.default
        if files.fileExists(atPath: folder.appendingPathComponent("metadata.json").path) { return [folder] }
        let children = ((try? files.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let numbered = children.compactMap(Int.init)
        if let newest = numbered.max() { return [folder.appendingPathComponent(String(newest))] }
        return children.flatMap { child -> [URL] in
            let inner = ((try? files.contentsOfDirectory(atPath: folder.appendingPathComponent(child).path)) ?? []).compactMap(Int.init)
            return inner.max().map { [folder.appendingPathComponent(child).appendingPathComponent(String($0))] } ?? []
        }
    }
}
