import Engine
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /api/events[?job=ID]`: server-sent events (`EventBroadcaster`); `Last-Event-ID` (or
/// `?last_event_id=`) replays the job events missed since.
enum EventRoutes {
    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        router.get("api/events") { request, _ in
            var job: Int64?
            if let text = ConsoleRoutes.query(request, "job") {
                guard let id = Int64(text) else { throw HTTPError(.badRequest, message: "job: a number, please") }
                job = id
            }
            let last = (request.headers[HTTPField.Name("Last-Event-ID")!] ?? ConsoleRoutes.query(request, "last_event_id")).flatMap { Int64($0) }
            let buffer = try await backend.events.subscribe(jobID: job, lastEventID: last)
            let broadcaster = backend.events
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
                body: ResponseBody { writer in
                    defer { broadcaster.unsubscribe(buffer) }
                    // The browser waits this long before reconnecting after a drop.
                    try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                    while let message = await buffer.next() {
                        try await writer.write(ByteBuffer(string: message))
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
