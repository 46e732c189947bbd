import Engine
import Foundation
import Hummingbird

/// Collection exports from the console: `GET /api/collections/{id}/export.zip` (or
/// `/api/collections/export.zip?ids=1,2`) streams a ZIP as it is written; `POST
/// /api/collections/export-zip` with a selection answers `ready` and the download URL when every
/// collection is complete, else queues the jobs that complete them (`queued`, with the jobs) —
/// an export is never partial. `?rendition=NAME` exports a rendition profile's files,
/// `?playlist=xspf` writes XSPF.
enum ExportRoutes {
    struct Request: Decodable {
        var ids: [Int64]?
        var filter: CollectionRoutes.FilterBody?
        var expected: Int?
        var rendition: String?
        var playlist: String?
    }

    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        router.get("api/collections/:id/export.zip") { request, context in
            try await zip(backend, ids: [try ConsoleRoutes.id(context)], request)
        }
        router.get("api/collections/export.zip") { request, _ in
            let ids = (ConsoleRoutes.query(request, "ids") ?? "").split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard !ids.isEmpty else { throw HTTPError(.badRequest, message: "ids: the collections to export, as ids=1,2,3") }
            return try await zip(backend, ids: ids, request)
        }
        router.post("api/collections/export-zip") { request, _ in
            let body = try await ConsoleRoutes.body(request, as: Request.self)
            let rows = try await CollectionRoutes.selected(
                backend, CollectionRoutes.Selection(ids: body.ids, filter: body.filter, expected: body.expected))
            guard !rows.isEmpty else { throw HTTPError(.badRequest, message: "the selection holds no collection") }
            let options = try options(rendition: body.rendition, playlist: body.playlist)
            let unready = rows.filter { $0.status != .downloaded }
            if unready.isEmpty {
                var query = "ids=\(rows.map { String($0.id) }.joined(separator: ","))&playlist=\(options.playlist.rawValue)"
                if let rendition = options.rendition {
                    query += "&rendition=\(rendition.addingPercentEncoding(withAllowedCharacters: .alphanumerics.intersection(.urlQueryAllowed)) ?? rendition)"
                }
                return ConsoleRoutes.json(.object([("status", .string("ready")), ("url", .string("/api/collections/export.zip?\(query)"))]))
            }
            let queued = try await CollectionRoutes.download(backend, unready)
            return ConsoleRoutes.json(.object([
                ("status", .string("queued")), ("jobs", queued["jobs"] ?? .array([])),
                ("collections", .array(unready.map { .object([("id", .int($0.id)), ("status", .string($0.status.rawValue))]) })),
            ]), status: .accepted)
        }
    }

    static func options(rendition: String?, playlist: String?) throws -> ExportOptions {
        let format = try playlist.map { name in
            guard let format = ExportPlaylistFormat(rawValue: name) else { throw HTTPError(.badRequest, message: "playlist: m3u8 or xspf, not '\(name)'") }
            return format
        } ?? .m3u8
        return ExportOptions(rendition: rendition.flatMap { $0.isEmpty ? nil : $0 }, playlist: format)
    }

    /// The ZIP of `ids`, streamed; a 409 naming the collection when one is not ready.
    static func zip(_ backend: ConsoleBackend, ids: [Int64], _ request: Hummingbird.Request) async throws -> Response {
        guard let exporter = backend.exporter else { throw HTTPError(.notFound, message: "this console exports nothing") }
        let found = try await backend.store.collections(ids: ids)
        let rows = ids.compactMap { id in found.first { $0.id == id } }  // the order asked for
        if let missing = Set(ids).subtracting(rows.map(\.id)).sorted().first { throw HTTPError(.notFound, message: "no collection \(missing)") }
        if let unready = rows.first(where: { $0.status != .downloaded }) {
            throw HTTPError(
                .conflict,
                message: "collection '\(unready.title ?? Redaction.url(unready.locator))' is \(unready.status.rawValue.replacingOccurrences(of: "_", with: " ")): download it first (POST /api/collections/export-zip queues it)")
        }
        let options = try options(rendition: ConsoleRoutes.query(request, "rendition"), playlist: ConsoleRoutes.query(request, "playlist"))
        let prepared: any PreparedZip
        do {
            prepared = try await exporter.prepareZip(rows, options: options)
        } catch {
            throw HTTPError(.conflict, message: "\(error)")
        }
        let name = prepared.fileName.replacingOccurrences(of: "\"", with: "'")
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? Character($0) : "_" })
        // RFC 8187: UTF-8, percent-encoded but for attr-chars.
        let attrChars = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: attrChars) ?? ascii
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)",
            ],
            body: ResponseBody { writer in
                let sink = ResponseSink(writer: writer)
                try await prepared.write(to: sink)
                writer = sink.writer
                try await writer.finish(nil)
            })
    }
}

/// Hands an export's chunks to the HTTP response as they come (the connection's backpressure
/// holds the export back). Used by one response's writing task only.
final class ResponseSink: ByteSink {
    var writer: any ResponseBodyWriter

    init(writer: any ResponseBodyWriter) {
        self.writer = writer
    }

    func write(_ chunk: UnsafeRawBufferPointer) async throws {
        try await writer.write(ByteBuffer(bytes: chunk))
    }
}
