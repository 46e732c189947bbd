import Engine
import Foundation
import Testing

/// Processor results per asset and derived files, for every `JobStore` (the queue contract's
/// stores): one result per asset and processor with its key, one derived file per original,
/// kind and name, the item's probe result apart, and every write fenced by its lease.
extension JobQueueContractTests {
    @Test(arguments: Kind.allCases)
    func processorResultsAreKeptPerAssetWithTheirKeysAndFenced(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let (_, stale, fresh) = try await passedOnLease(store)
        let itemID = try #require(fresh.item.catalogID)
        let original = try await store.recordOriginal(
            itemID: itemID, sha256: "aaa", size: 10, format: "flac", backend: "library", locator: "a.flac", description: nil, lease: fresh.lease)
        try await store.saveProcessorResult(itemID: itemID, processor: "probe", version: 1, json: #"{"probe":1}"#, description: nil, lease: fresh.lease)

        let first = OutputKey(input: "aaa", settings: "s1", tools: "loudness 1")
        let second = OutputKey(input: "aaa", settings: "s2", tools: "loudness 2")
        try await store.saveAssetResult(assetID: original.assetID, processor: "loudness", version: 1, key: first, json: #"{"a":1}"#, lease: fresh.lease)
        try await store.saveAssetResult(assetID: original.assetID, processor: "peaks", version: 1, key: first, json: #"{"p":1}"#, lease: nil)
        try await store.saveAssetResult(assetID: original.assetID, processor: "loudness", version: 2, key: second, json: #"{"a":2}"#, lease: fresh.lease)
        let results = try await store.assetResults(assetID: original.assetID)
        #expect(results.map(\.processor) == ["loudness", "peaks"], "one per processor, the later replacing the earlier")
        #expect(results.first?.key == second && results.first?.version == 2 && results.first?.json == #"{"a":2}"#)
        #expect(try await store.processorResult(itemID: itemID, processor: "probe") == #"{"probe":1}"#, "the item's probe stays its own")

        await #expect(throws: StoreError.self) {
            try await store.saveAssetResult(assetID: original.assetID, processor: "loudness", version: 3, key: first, json: "{}", lease: stale.lease)
        }
        #expect(try await store.assetResults(assetID: original.assetID).first?.json == #"{"a":2}"#, "the refused write changed nothing")

        let made = try await store.recordDerivedFile(
            itemID: itemID, parentAssetID: original.assetID, kind: .peaks, name: "peaks", sha256: "p1", size: 5, format: "dat", key: first,
            backend: "library", locator: "a.peaks.dat", lease: fresh.lease)
        let again = try await store.recordDerivedFile(
            itemID: itemID, parentAssetID: original.assetID, kind: .peaks, name: "peaks", sha256: "p2", size: 6, format: "dat", key: second,
            backend: "library", locator: "a.peaks.dat", lease: fresh.lease)
        #expect(made.file.assetID == again.file.assetID, "made again, the derived file keeps its asset")
        await #expect(throws: StoreError.self) {
            _ = try await store.recordDerivedFile(
                itemID: itemID, parentAssetID: original.assetID, kind: .poster, name: "poster-0001", sha256: "x", size: 1, format: "jpeg",
                key: first, backend: "library", locator: "a.poster-0001.jpg", lease: stale.lease)
        }
        let derived = try await store.derivedFiles(parentAssetID: original.assetID)
        #expect(derived.count == 1)
        #expect(derived.first?.file.sha256 == "p2" && derived.first?.file.size == 6 && derived.first?.key == second)
        #expect(derived.first?.file.locator == "a.peaks.dat" && derived.first?.kind == .peaks)
        #expect(try await store.storedOriginal(itemID: itemID)?.assetID == original.assetID, "a derived file is not the item's original")
    }

    /// An album is the item's one collection (with every item that has its original), each
    /// track's result through its stored original; an original taken from an item goes (with
    /// what was made from it) unless another item has it, and a link points the item elsewhere.
    @Test(arguments: Kind.allCases)
    func albumResultsAndDroppedOriginals(_ kind: Kind) async throws {
        let (store, dir) = try await makeStore(kind)
        defer { withExtendedLifetime(dir) {} }
        let album = CollectionRef(kind: .folder, locator: "/music/album", title: "Album")
        func item(_ id: String, in collection: CollectionRef?) async throws -> Int64 {
            var item = MediaItem(source: "test", remoteID: id, title: id, url: "file:///\(id).flac")
            item.collection = collection
            return try await store.upsertItem(item).itemID
        }
        let one = try await item("one", in: album), two = try await item("two", in: album), loose = try await item("loose", in: nil)
        let first = try await store.recordOriginal(
            itemID: one, sha256: "s1", size: 1, format: "flac", backend: "library", locator: "one.flac", description: nil, lease: nil)
        let second = try await store.recordOriginal(
            itemID: two, sha256: "s2", size: 1, format: "flac", backend: "library", locator: "two.flac", description: nil, lease: nil)
        let key = OutputKey(input: "s1", settings: "x", tools: "t")
        try await store.saveAssetResult(assetID: first.assetID, processor: "loudness", version: 1, key: key, json: #"{"l":1}"#, lease: nil)
        let measured = try #require(try await store.albumResults(itemID: two, processor: "loudness"))
        #expect(measured.collection == "Album" && measured.results.sorted { ($0 ?? "") < ($1 ?? "") } == [nil, #"{"l":1}"#], "\(measured)")
        #expect(try await store.albumResults(itemID: loose, processor: "loudness") == nil, "no collection, no album")

        _ = try await store.recordDerivedFile(
            itemID: two, parentAssetID: second.assetID, kind: .peaks, name: "peaks", sha256: "p", size: 1, format: "dat", key: key,
            backend: "library", locator: "two.peaks.dat", lease: nil)
        let dropped = try await store.dropOriginal(itemID: two, assetID: second.assetID, linkTo: first.assetID, reason: "same", lease: nil)
        #expect(Set(dropped.map(\.locator)) == ["two.flac", "two.peaks.dat"], "\(dropped)")
        #expect(try await store.storedOriginal(itemID: two)?.assetID == first.assetID, "linked to the kept recording")
        #expect(try await store.derivedFiles(parentAssetID: second.assetID).isEmpty)

        let again = try await item("again", in: nil)
        _ = try await store.recordOriginal(
            itemID: again, sha256: "s1", size: 1, format: "flac", backend: "library", locator: "one.flac", description: nil, lease: nil)
        #expect(try await store.dropOriginal(itemID: again, assetID: first.assetID, linkTo: nil, reason: "same", lease: nil).isEmpty,
                "another item has it: nothing goes")
        #expect(try await store.storedOriginal(itemID: again) == nil)
        #expect(try await store.storedOriginal(itemID: one)?.assetID == first.assetID)
    }
}
