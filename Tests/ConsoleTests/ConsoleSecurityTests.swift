import Console
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Sign-in beyond loopback (bearer token or the login form's cookie), CSRF on state changes,
/// the Content-Security-Policy, and item text shown as text on every page.
@Suite struct ConsoleSecurityTests {
    @Test func withATokenEveryRouteButHealthAndSignInWantsIt() async throws {
        let console = try ConsoleFixture(token: "secret-token")
        try await console.test { client in
            try await client.execute(uri: "/api/dashboard", method: .get) { response in
                #expect(response.status == .unauthorized)
                try #expect((json(response.body)["error"] as? String)?.contains("sign in") == true)
            }
            try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"]) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/login")
            }
            try await client.execute(uri: "/api/dashboard", method: .get, headers: [.authorization: "Bearer wrong-token!"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/dashboard", method: .get, headers: [.authorization: "Bearer secret-token"]) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains("secret-token"), "the token never appears in a response")
            }
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/login", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains("name=\"token\""))
            }
            try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "token=nope")
            ) { response in
                #expect(response.status == .unauthorized && response.headers[.setCookie] == nil)
            }
            var cookie = ""
            try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=secret-token")
            ) { response in
                #expect(response.status == .seeOther)
                let set = try #require(response.headers[.setCookie])
                #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("secret-token"), "\(set)")
                cookie = String(set.prefix { $0 != ";" })
            }
            try await client.execute(uri: "/api/dashboard", method: .get, headers: [.cookie: cookie]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/dashboard", method: .get, headers: [.cookie: "engine_session=made-up"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func aStateChangeWithoutTheCSRFTokenIsRefused() async throws {
        let console = try ConsoleFixture(token: "secret-token")
        let job = try await console.store.createJob(JobSpec(type: .ingest, inputs: ["x"], stages: ["catalog"]))
        try await console.test { client in
            var cookie = ""
            try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=secret-token")
            ) { response in
                cookie = String((response.headers[.setCookie] ?? "").prefix { $0 != ";" })
            }
            try await client.execute(uri: "/api/jobs/\(job.id)/pause", method: .post, headers: [.cookie: cookie]) { response in
                #expect(response.status == .forbidden)
                try #expect((json(response.body)["error"] as? String)?.contains("CSRF") == true)
            }
            var headers: HTTPFields = [.cookie: cookie]
            headers[HTTPField.Name("X-CSRF-Token")!] = "x" + console.backend.security.csrfToken.dropFirst()
            try await client.execute(uri: "/api/jobs/\(job.id)/pause", method: .post, headers: headers) { response in
                #expect(response.status == .forbidden, "a wrong token")
            }
            try #expect(await console.store.job(job.id)?.status == .queued, "nothing changed")
            try await client.execute(uri: "/api/session", method: .get, headers: [.cookie: cookie]) { response in
                try #expect(json(response.body)["csrf_token"] as? String == console.backend.security.csrfToken)
            }
            headers[HTTPField.Name("X-CSRF-Token")!] = console.backend.security.csrfToken
            try await client.execute(uri: "/api/jobs/\(job.id)/pause", method: .post, headers: headers) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/jobs/\(job.id)/resume", method: .post, headers: [.authorization: "Bearer secret-token"]) { response in
                #expect(response.status == .ok, "a bearer token is never sent by a browser on its own: no CSRF token needed")
            }
        }
        // Loopback without sign-in still wants the CSRF token (a cross-site form could post to localhost).
        let local = try ConsoleFixture()
        try await local.test { client in
            try await client.execute(uri: "/api/jobs", method: .post, body: try body(["type": "ingest", "inputs": ["x"]])) { response in
                #expect(response.status == .forbidden)
            }
        }
    }

    @Test(arguments: ["/", "/failed", "/collections", "/jobs/1", "/jobs/1/items?collection=0"])
    func aHostileTitleShowsAsTextOnEveryPage(page: String) async throws {
        let console = try ConsoleFixture()
        let hostile = "<script>alert(1)</script>"
        let job = try await console.job(
            [hostile, "<img src=x onerror=alert(2)>", hostile], collection: hostile, collectionTitle: hostile, source: "\"><b>src", failing: 2,
            error: "HTTP 404 from <script>alert(3)</script>")
        // The third runs: the dashboard shows it among the running items.
        _ = try await console.store.startJob(job.id, runner: "test", from: [.queued])
        _ = try await console.store.claim(jobID: job.id, holder: "test", limit: 1, leaseDuration: .seconds(60))
        try await console.test { client in
            try await client.execute(uri: page, method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(!html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("\"><b>"), "\(html)")
                #expect(html.contains("&lt;script&gt;alert("), "the text is there, escaped")
                let policy = try #require(response.headers[HTTPField.Name("Content-Security-Policy")!])
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
            }
        }
    }

    @Test func theTokenFileIsMadeOnceAndKeptPrivate() throws {
        let dir = try TemporaryDirectory("token")
        let file = dir.url.appendingPathComponent("console.token")
        let (token, created) = try ConsoleSecurity.token(at: file)
        #expect(created && token.count == 64)
        let again = try ConsoleSecurity.token(at: file)
        #expect(again.token == token && !again.created)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

/// What a page of another site can make a browser send: a Host rebound to 127.0.0.1, an
/// Origin of its own; and URLs with credentials in them, which no page or answer repeats.
@Suite struct ConsoleCrossSiteTests {
    @Test func aRequestForAnotherNameOrFromAnotherSiteIsRefused() async throws {
        let console = try ConsoleFixture()
        try await console.test { client in
            try await client.execute(uri: "/api/session", method: .get, headers: [HTTPField.Name("Host")!: "evil.example:18080"]) { response in
                #expect(response.status == .forbidden, "DNS rebinding: the page's name is not a loopback one")
            }
            try await client.execute(uri: "/api/session", method: .get, headers: [HTTPField.Name("Host")!: "localhost:18080"]) { response in
                #expect(response.status == .ok)
            }
            var headers = console.csrf
            headers[HTTPField.Name("Host")!] = "127.0.0.1:18080"
            headers[.origin] = "http://evil.example"
            try await client.execute(uri: "/api/jobs", method: .post, headers: headers, body: try body(["type": "ingest", "inputs": ["x"]])) { response in
                #expect(response.status == .forbidden)
            }
            for (host, origin) in [("127.0.0.1:18080", "http://127.0.0.1:18080"), ("[::1]:18080", "http://[::1]:18080"), ("localhost", "http://localhost")] {
                headers[HTTPField.Name("Host")!] = host
                headers[.origin] = origin
                try await client.execute(uri: "/api/jobs", method: .post, headers: headers, body: try body(["type": "ingest", "inputs": ["x"]])) { response in
                    #expect(response.status == .created, "its own page at \(origin)")
                }
            }
        }
    }

    @Test func credentialsInACollectionsURLAreNeverShown() async throws {
        let console = try ConsoleFixture()
        let secret = "https://user:hunter2@lists.example/top.m3u8?token=s3cr3t"
        try await console.job(["A"], collection: secret, collectionTitle: nil, failing: 1, error: "HTTP 404 from \(secret)")
        try await console.test { client in
            for uri in ["/jobs/1", "/jobs/1/items?collection=0", "/collections", "/failed", "/api/jobs/1", "/api/collections", "/api/failed"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(response.status == .ok && !text.contains("hunter2") && !text.contains("s3cr3t"), "\(uri): \(text)")
                }
            }
        }
    }
}
