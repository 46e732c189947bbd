public import HTTPTypes
public import Hummingbird

/// Sign-in (when the console is bound beyond loopback), CSRF on every state-changing request,
/// and the headers that keep a page from loading anything but its own files.
public struct SecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    let security: ConsoleSecurity

    public init(_ security: ConsoleSecurity) {
        self.security = security
    }

    static var sessionCookie: String { "engine_session" }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await check(request, context: context, next: next)
        } catch {
            response = JSONErrors<Context>.response(for: error)
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
            + "base-uri 'none'; frame-ancestors 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        return response
    }

    private func check(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let open = path == "/login" || path == "/healthz" || path.hasPrefix("/assets/")
        let bearer = security.acceptsBearer(request.headers[.authorization])
        if security.requiresSignIn, !open, !bearer, !security.isSession(request.cookies[Self.sessionCookie]?.value) {
            if request.method == .get, request.headers[.accept]?.contains("text/html") == true {
                return Response(status: .seeOther, headers: [.location: "/login"])
            }
            throw HTTPError(.unauthorized, message: "sign in: give the console token (Authorization: Bearer) or sign in at /login")
        }
        // A bearer token is never sent by a browser on its own, so it needs no CSRF token;
        // anything a page (or a cross-site form) can send does.
        let changes = ![.get, .head, .options].contains(request.method)
        if changes, path != "/login", !bearer, !security.acceptsCSRF(request.headers[.csrfToken]) {
            throw HTTPError(.forbidden, message: "missing or wrong CSRF token (X-CSRF-Token; the pages and GET /api/session give it)")
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static var csrfToken: Self { Self("X-CSRF-Token")! }
    static var xContentTypeOptions: Self { Self("X-Content-Type-Options")! }
    static var xFrameOptions: Self { Self("X-Frame-Options")! }
    static var referrerPolicy: Self { Self("Referrer-Policy")! }
}
