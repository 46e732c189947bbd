import Engine
package import Hummingbird

/// Errors as JSON with a message (`{"error": "no job 12"}`), whatever the route threw or
/// when none matched; a failure that is not an HTTP error is a 500 with its description.
package struct JSONErrors<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error)
        }
    }

    static func response(for error: any Error) -> Response {
        if let error = error as? HTTPError {
            return ConsoleRoutes.json(.object([("error", .string(error.body ?? error.status.reasonPhrase))]), status: error.status)
        }
        return ConsoleRoutes.json(.object([("error", .string(Redaction.scrub("\(error)")))]), status: .internalServerError)
    }
}
