import Engine
import Foundation
import Hummingbird

/// `/api/items/{id}/peaks`: an item's waveform peaks, as the peaks processor kept them beside
/// its original — audiowaveform's JSON form (what peaks.js reads as `dataUri.json`), or with
/// `?format=dat` the binary `.dat` itself.
enum ItemRoutes {
    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        router.get("api/items/:id/peaks") { request, context in
            let id = try ConsoleRoutes.id(context)
            guard let entry = try await backend.store.libraryItem(key: "\(id)") else { throw HTTPError(.notFound, message: "no item \(id)") }
            guard let original = entry.file else { throw HTTPError(.notFound, message: "item \(id) has no stored original") }
            guard let peaks = try await backend.store.derivedFiles(parentAssetID: original.assetID).first(where: { $0.kind == .peaks }) else {
                throw HTTPError(.notFound, message: "item \(id) has no peaks (the peaks processor has not run on its original)")
            }
            guard peaks.file.backend == "library" else {
                throw HTTPError(.notFound, message: "item \(id)'s peaks are on backend '\(peaks.file.backend)', not in the library")
            }
            guard !peaks.file.locator.split(separator: "/").contains(".."), !peaks.file.locator.hasPrefix("/") else {
                throw HTTPError(.notFound, message: "item \(id)'s peaks file is outside the library")
            }
            let path = backend.directory.library.appendingPathComponent(peaks.file.locator).path
            let bytes = try await BlockingIO.run { FileManager.default.contents(atPath: path) }
            guard let bytes, let waveform = WaveformData(dat: bytes) else {
                throw HTTPError(.notFound, message: "item \(id)'s peaks file \(peaks.file.locator) is missing or unreadable")
            }
            if ConsoleRoutes.query(request, "format") == "dat" {
                return Response(
                    status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: "no-store"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            return ConsoleRoutes.json(waveform.json)
        }
    }
}
