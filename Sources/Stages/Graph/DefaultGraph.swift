public import Engine
import Foundation

/// `--graph default`: collect → catalog → resolve → download → probe → store → process → transcode.
public enum DefaultGraph {
    /// What the default graph's stages are built with.
    public struct Options: Sendable {
        public var inputs: [String]
        public var limit: Int?
        /// Concurrent downloads (also the network lane's limit).
        public var downloadWorkers: Int
        public var download: DownloadOptions
        public var channelCapacity: Int
        /// Renditions made after storing each original.
        public var renditions: RenditionPlan
        /// Processors run on each stored original, before its renditions are made.
        public var processors: ProcessorPlan = .standard
        /// The backends `s3://` inputs are listed and fetched from (nil: none).
        public var objectStores: ObjectStores?
        /// Keep no originals in the library: record them where they were found and make the
        /// renditions in temp space for an upload stage to this backend (nil: keep them).
        public var renditionsBackend: String?
        /// The ranking resolver's plan (nil: each item from its own URL).
        public var resolve: ResolvePlan?
        /// The library is this S3 backend (`library_backend`): originals go up to it from the
        /// item's temp space, and renditions are made there for an upload stage to it.
        public var libraryClient: S3Client?
        /// How originals go up to the S3 library.
        public var libraryUploader = S3Uploader()

        public init(
            inputs: [String], limit: Int? = nil, downloadWorkers: Int = 8, download: DownloadOptions = DownloadOptions(),
            channelCapacity: Int = 16, renditions: RenditionPlan = GraphFile.builtInDefault.renditions
        ) {
            self.renditions = renditions
            self.inputs = inputs
            self.limit = limit
            self.downloadWorkers = downloadWorkers
            self.download = download
            self.channelCapacity = channelCapacity
        }
    }

    /// The item pipeline of an `ingest` job: catalog → resolve → download → probe → store →
    /// process → transcode (the job's collector feeds it through the store); with `renditionsBackend`,
    /// record (at the source) instead of store, and the renditions made for an upload stage;
    /// with `libraryClient`, store on that S3 backend, and the renditions made for an upload
    /// stage to it.
    public static func stages(
        _ options: Options, store: any CatalogStore & UploadStore, library: LocalLibrary, downloader: Downloader
    ) -> [any ItemStage<MediaItem>] {
        let keep = options.renditionsBackend == nil
        let s3Library = keep ? options.libraryClient : nil
        let storeStage: any ItemStage<MediaItem> =
            if let s3Library { S3LibraryStage(store: store, client: s3Library, uploader: options.libraryUploader) } else if keep { LibraryStage(store: store, library: library) } else {
                SourceRecordStage(store: store)
            }
        return [
            CatalogStage(
                store: store, library: library, renditions: options.renditions, processors: options.processors,
                renditionsBackend: options.renditionsBackend,
                libraryBackend: s3Library?.name),
            ResolveStage(
                resolvers: (options.objectStores.map { [BucketResolver(objectStores: $0)] } ?? []) + [DirectResolver()],
                ranking: options.resolve.map { RankingResolver(plan: $0, fetcher: PageFetcher(options: options.download)) },
                traces: store as? any ResolveTraceStore),
            DownloadStage(
                downloader: downloader, concurrency: options.downloadWorkers, caps: SourceCaps(options.resolve, store: store as? any JobQueue)),
            ProbeStage(store: store),
            storeStage,
            ProcessorStage(plan: options.processors, store: store, library: library, libraryOriginals: keep && s3Library == nil),
            TranscodeStage(
                plan: options.renditions, store: store, library: library,
                output: (s3Library?.name ?? options.renditionsBackend).map { .upload(to: $0) } ?? .library),
        ]
    }
}

/// A job's collector: each input through `Collector` (playlists, folders, files, URLs).
public struct CollectorInputs: JobCollector {
    public let collector: Collector

    public init(_ collector: Collector) {
        self.collector = collector
    }

    public func collect(_ input: String) async -> (items: [MediaItem], issues: [SourceIssue]) {
        let collected: Collector.Collected = await collector.collect(input)
        return (collected.items, collected.issues)
    }

    /// A catalog input page by page (resumable at its next unfinished page); any other as one page.
    public func collect(_ input: JobInput, page: (CollectedPage) async throws -> Void) async throws {
        guard Collector.isCatalog(input.input) else {
            let found = await collect(input.input)
            try await page(CollectedPage(items: found.items, issues: found.issues))
            return
        }
        try await collector.collectCatalog(input, page: page)
    }
}
