import Engine
import Foundation
import Hummingbird

/// The pages (`?fragment=1`: only the live region), the sign-in form, and the script and
/// style sheet, all served by the binary.
enum PageRoutes {
    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        router.get("/") { request, _ in
            try await fragment(request) ? DashboardPage.fragment(backend) : DashboardPage.render(backend)
        }
        router.get("failed") { request, _ in
            try await fragment(request) ? FailedPage.fragment(backend, request: request) : FailedPage.render(backend, request: request)
        }
        router.get("collections") { request, _ in
            try await fragment(request)
                ? CollectionsPage.fragment(backend, request: request) : CollectionsPage.render(backend, request: request)
        }
        router.get("jobs/:id") { request, context in
            let id = try ConsoleRoutes.id(context)
            return try await fragment(request) ? JobPage.fragment(backend, id: id) : JobPage.render(backend, id: id)
        }
        router.get("jobs/:id/items") { request, context in
            try await JobPage.items(backend, id: try ConsoleRoutes.id(context), request: request)
        }
        router.get("assets/console.js") { _, _ in asset(ConsoleAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("assets/console.css") { _, _ in asset(ConsoleAssets.style, type: "text/css; charset=utf-8") }
        router.get("login") { _, _ in signIn(backend, error: nil) }
        router.post("login") { request, _ in
            var request = request
            let form = String(buffer: try await request.collectBody(upTo: 64 * 1024))
            let token = ConsoleRoutes.formValue(form, "token") ?? ""
            guard let session = backend.security.signIn(token.trimmingCharacters(in: .whitespaces)) else {
                var response = signIn(backend, error: "That is not the console token.")
                response.status = .unauthorized
                return response
            }
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(Cookie(name: SecurityMiddleware<BasicRequestContext>.sessionCookie, value: session, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
    }

    private static func fragment(_ request: Request) -> Bool {
        ConsoleRoutes.query(request, "fragment") == "1"
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func signIn(_ backend: ConsoleBackend, error: String?) -> Response {
        guard backend.security.requiresSignIn else { return Response(status: .seeOther, headers: [.location: "/"]) }
        let html: HTML = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · MediaEngine</title><link rel="stylesheet" href="/assets/console.css"></head>
            <body class="signin"><main><form method="post" action="/login" class="card stack">
            <h1>MediaEngine console</h1>
            <p class="muted">Give the console token: <code>engine serve</code> printed it when it made it, and keeps it in the
            data directory (<code>console.token</code>).</p>
            \(error.map { "<p class=\"error\">\($0)</p>" as HTML } ?? "")
            <label>Token <input name="token" type="password" autocomplete="current-password" required autofocus></label>
            <button type="submit" class="primary">Sign in</button></form></main></body></html>
            """
        return Layout.fragment(html)
    }
}
