public import Engine
public import Foundation

/// `--graph default`: collect → catalog → resolve → download → probe → store → transcode.
public enum DefaultGraph {
    public struct Options: Sendable {
        public var inputs: [String]
        public var limit: Int?
        /// Concurrent downloads (also the network lane's limit).
        public var downloadWorkers: Int
        public var download: DownloadOptions
        public var channelCapacity: Int
        /// Renditions made after storing each original.
        public var renditions: RenditionPlan

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

    public static func make(
        _ options: Options, store: any JobStore, library: LocalLibrary, temporaryDirectory: URL
    ) -> Graph<MediaItem> {
        let downloader = Downloader(options: options.download)
        let collector = Collector(downloader: downloader, temporaryDirectory: temporaryDirectory)
        return Graph(
            source: CollectorSource(inputs: options.inputs, limit: options.limit, collector: collector),
            stages: [
                CatalogStage(store: store, library: library, renditions: options.renditions),
                ResolveStage(),
                DownloadStage(downloader: downloader, concurrency: options.downloadWorkers),
                ProbeStage(store: store),
                LibraryStage(store: store, library: library),
                TranscodeStage(plan: options.renditions, store: store, library: library),
            ],
            channelCapacity: options.channelCapacity)
    }
}
