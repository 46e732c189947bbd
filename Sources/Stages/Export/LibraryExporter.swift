package import Engine
package import Foundation

/// Exports collections from the local library: as folders (`engine export --to`, the
/// automatic export folders) or as one ZIP (`engine export --zip`, the console's download).
/// Every collection's plan is made before anything is written, so a collection that is not
/// ready stops the export whole.
package struct LibraryExporter: CollectionExporter {
    public let store: any EngineStore
    public let library: LocalLibrary

    public init(store: any EngineStore, library: LocalLibrary) {
        self.store = store
        self.library = library
    }

    public func plans(_ collections: [CollectionRow], options: ExportOptions) async throws -> [ExportPlan] {
        var plans: [ExportPlan] = []
        for collection in collections {
            var plan = try await ExportPlan.make(collection, store: store, library: library, options: options)
            // Two collections of the same name (a playlist and a feed, say) get apart folders.
            if plans.contains(where: { $0.folder == plan.folder }) { plan.folder += " (\(collection.id))" }
            plans.append(plan)
        }
        return plans
    }

    /// Each collection as a folder in `directory`.
    public func folders(_ collections: [CollectionRow], options: ExportOptions, into directory: URL) async throws -> [(ExportPlan, ExportFolder.Outcome)] {
        var done: [(ExportPlan, ExportFolder.Outcome)] = []
        for plan in try await plans(collections, options: options) {
            done.append((plan, try await ExportFolder.write(plan, into: directory)))
        }
        return done
    }

    public func prepareZip(_ collections: [CollectionRow], options: ExportOptions) async throws -> any PreparedZip {
        PlannedZip(plans: try await plans(collections, options: options), exporter: self)
    }

    /// The plans as one ZIP: a folder per collection holding what `folders` would write there
    /// (but the manifest).
    public func zip(_ plans: [ExportPlan], to sink: some ByteSink) async throws {
        let archive = ZipArchiveStream(sink: sink)
        for plan in plans {
            for file in plan.files { try await archive.addFile(name: "\(plan.folder)/\(file.name)", path: file.path) }
            if let cover = try await BlockingIO.run({ plan.cover() }) { try await archive.addBytes(name: "\(plan.folder)/\(cover.name)", cover.bytes) }
            try await archive.addBytes(name: "\(plan.folder)/\(plan.playlistName)", plan.playlist)
        }
        try await archive.finish()
    }
}

/// Collections planned for a ZIP.
struct PlannedZip: PreparedZip {
    let plans: [ExportPlan]
    let exporter: LibraryExporter

    var fileName: String { plans.count == 1 ? "\(plans[0].folder).zip" : "collections.zip" }

    func write(to sink: some ByteSink) async throws {
        try await exporter.zip(plans, to: sink)
    }
}
