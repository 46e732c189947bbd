@testable import Engine
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("http://alice:pw@host.example/a.mp3", "http://***@host.example/a.mp3"),
        ("https://token@host/x?y=1", "https://***@host/x?y=1"),
        ("https://host/a.mp3?token=abc&quality=high", "https://host/a.mp3?token=***&quality=high"),
        ("https://b.s3.amazonaws.com/k.mp4?X-Amz-Credential=AKIA&X-Amz-Signature=ff00", "https://b.s3.amazonaws.com/k.mp4?X-Amz-Credential=***&X-Amz-Signature=***"),
        ("https://host/cb#access_token=xyz&state=1", "https://host/cb#access_token=***&state=1"),
        ("https://host/a?sig=1#frag", "https://host/a?sig=***#frag"),
        ("https://host/a.mp3?monkey=1&page=2", "https://host/a.mp3?monkey=1&page=2"),
        ("https://host/path@with/at?x=1", "https://host/path@with/at?x=1"),
        ("/local/file.mp3", "/local/file.mp3"),
    ])
    func urlsLoseTheirSecretsAndKeepTheRest(_ url: String, _ redacted: String) {
        #expect(Redaction.url(url) == redacted)
    }

    @Test func textKeepsItsWordsAndPunctuationAroundURLs() {
        #expect(Redaction.scrub("GET http://u:p@h/a?key=k1: HTTP 503 (see https://h/b?sig=s).")
            == "GET http://***@h/a?key=***: HTTP 503 (see https://h/b?sig=***).")
        #expect(Redaction.scrub("no url here: key=value") == "no url here: key=value")
        #expect(Redaction.scrub("\"url\": \"https://h/x?token=t\"") == "\"url\": \"https://h/x?token=***\"")
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffDoublesWithJitterAndStopsAtTheLastAttempt() {
        let policy = RetryPolicy(attempts: 4, baseDelay: .seconds(2), maxDelay: .seconds(5))
        #expect(policy.delay(after: 1, retryAfter: nil, random: 0) == .seconds(1))
        #expect(policy.delay(after: 1, retryAfter: nil, random: 0.999_999)! > .milliseconds(1999))
        #expect(policy.delay(after: 2, retryAfter: nil, random: 0) == .seconds(2))
        #expect(policy.delay(after: 3, retryAfter: nil, random: 1) == .seconds(5), "capped at maxDelay")
        #expect(policy.delay(after: 4, retryAfter: nil, random: 0) == nil, "no fifth try")
    }

    @Test func retryAfterIsAFloorUnlessItIsTooLong() {
        let policy = RetryPolicy(attempts: 5, baseDelay: .milliseconds(50))
        #expect(policy.delay(after: 1, retryAfter: .seconds(2), random: 0.5) == .seconds(2))
        #expect(policy.delay(after: 1, retryAfter: .seconds(7200), random: 0.5) == nil, "more than an hour: not waited for")
    }
}
