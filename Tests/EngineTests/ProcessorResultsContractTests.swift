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
        let job = try await job(store)
        try await store.enqueue(jobID: job.id, items: items(1), completingInput: nil)
        let stale = try #require(try await store.claim(jobID: job.id, holder: "old", limit: 1, leaseDuration: .milliseconds(1)).first)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await store.interruptExpiredLeases() == 1)
        let fresh = try #require(try await store.claim(jobID: job.id, holder: "new", limit: 1, leaseDuration: .seconds(30)).first)
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
}
