/// How a collection is exported: which file of each item, and the playlist written beside them.
package struct ExportOptions: Sendable, Equatable {
    /// The renditions of this profile instead of the originals (nil: the originals).
    public var rendition: String?
    public var playlist: ExportPlaylistFormat

    public init(rendition: String? = nil, playlist: ExportPlaylistFormat = .m3u8) {
        self.rendition = rendition
        self.playlist = playlist
    }
}

/// The playlist an export writes: M3U8 with `#EXTINF`, or XSPF; relative paths either way.
package enum ExportPlaylistFormat: String, Sendable, CaseIterable {
    case m3u8
    case xspf
}

/// Where an export's bytes go, chunk by chunk, in order (a file, an HTTP response).
package protocol ByteSink {
    /// Takes the chunk (copying what it keeps) before it returns.
    func write(_ chunk: UnsafeRawBufferPointer) async throws
}

/// Exports collections from the library (the host wires the implementation, which reads media
/// files): what the console's export endpoints call.
package protocol CollectionExporter: Sendable {
    /// Checks and plans `collections` as one ZIP: a folder per collection, as `engine export
    /// --to` writes it. Throws, naming the collection, when one is not ready (an item not
    /// stored in the library), before anything is written.
    func prepareZip(_ collections: [CollectionRow], options: ExportOptions) async throws -> any PreparedZip
}

/// A planned ZIP export, ready to stream.
package protocol PreparedZip: Sendable {
    /// A name for the archive (the collection's, or `collections.zip`).
    var fileName: String { get }
    func write(to sink: some ByteSink) async throws
}
