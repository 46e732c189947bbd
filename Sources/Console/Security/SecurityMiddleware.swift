import HTTPTypes
package import Hummingbird

/// Sign-in (when the console is bound beyond loopback), CSRF on every state-changing request,
/// and the headers that keep a page from loading anything but its own files.
package struct SecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    let security: ConsoleSecurity

    package init(_ security: ConsoleSecurity) {
        self.security = security
    }

    static var sessionCookie: String { "engine_session" }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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
        // Without sign-in only a loopback name may address it: a page of another site whose name
        // was rebound to 127.0.0.1 says so in its Host header (DNS rebinding).
        // (HTTP/1's Host is the request's authority; a client that sends it as a plain field is read too.)
        let authority = request.headers[.host] ?? request.head.authority
        if !security.requiresSignIn, let authority, !Self.isLoopback(authority) {
            throw HTTPError(.forbidden, message: "this console answers only at a loopback address, not at \(authority)")
        }
        // A browser says where a request comes from: never another site's page.
        if let origin = request.headers[.origin]?.lowercased(), origin != "null", let authority = authority?.lowercased(),
            origin != "http://" + authority, origin != "https://" + authority
        {
            throw HTTPError(.forbidden, message: "a request from another site's page (Origin \(origin))")
        }
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

extension SecurityMiddleware {
    /// `127.0.0.1`, `localhost` or `[::1]`, with or without a port.
    static func isLoopback(_ authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return ["127.0.0.1", "localhost", "::1"].contains(host.lowercased())
    }
}

extension HTTPField.Name {
    static var csrfToken: Self { Self("X-CSRF-Token")! }
    static var host: Self { Self("Host")! }
    static var xContentTypeOptions: Self { Self("X-Content-Type-Options")! }
    static var xFrameOptions: Self { Self("X-Frame-Options")! }
    static var referrerPolicy: Self { Self("Referrer-Policy")! }
}
