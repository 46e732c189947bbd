import Foundation
import Stages
import Testing
import TestSupport

/// SigV4 against AWS's published vectors (the SigV4 test suite's and the S3 documentation's
/// examples) and against botocore's signer, request by request.
@Suite struct SigV4SignerTests {
    static let suite = S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let s3Docs = S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "authorization" }?.1 }

    @Test(arguments: [
        ("GET", [(String, String)](), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),  // get-vanilla
        ("GET", [("Param2", "value2"), ("Param1", "value1")], "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),  // get-vanilla-query-order-key-case
        ("POST", [], "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),  // post-vanilla
    ])
    func theTestSuitesVanillaRequests(method: String, query: [(String, String)], signature: String) {
        let signer = SigV4Signer(credentials: Self.suite, region: "us-east-1", service: "service")
        let request = SigV4Signer.Request(
            method: method, host: "example.amazonaws.com", path: "/", query: query, payloadHash: SigV4Signer.emptyPayloadHash)
        let signed = signer.sign(request, at: date("2015-08-30T12:36:00Z"))
        #expect(
            authorization(signed)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)")
        #expect(signed.contains { $0 == ("x-amz-date", "20150830T123600Z") })
    }

    @Test func theS3DocumentationsGetObjectExample() {
        let signer = SigV4Signer(credentials: Self.s3Docs, region: "us-east-1")
        let request = SigV4Signer.Request(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", headers: [("Range", "bytes=0-9")],
            payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(
            authorization(signer.sign(request, at: date("2013-05-24T00:00:00Z")))
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func theS3DocumentationsPresignedURLExample() {
        let signer = SigV4Signer(credentials: Self.s3Docs, region: "us-east-1")
        let request = SigV4Signer.Request(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", payloadHash: "UNSIGNED-PAYLOAD")
        let query = signer.presignedQuery(request, at: date("2013-05-24T00:00:00Z"), expires: 86400)
        #expect(query.last?.0 == "X-Amz-Signature")
        #expect(query.last?.1 == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    /// What botocore's S3 signer computes for the same request, dated the same second: keys
    /// with spaces, UTF-8 and reserved characters, a query of a multipart part, a session token.
    @Test(arguments: [
        ("PUT", "photos/My Trip/été #1+2.jpg", [("partNumber", "3"), ("uploadId", "a/b+c=")], "part bytes", true),
        ("GET", "a~b/c;d,e=f&g", [], "", false),
        ("POST", "x.mp3", [("uploads", "")], "", false),
    ])
    func matchesBotocore(method: String, key: String, query: [(String, String)], body: String, token: Bool) throws {
        let credentials = S3Credentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret/with+chars", sessionToken: token ? "session-token/xyz==" : nil)
        let signer = SigV4Signer(credentials: credentials, region: "eu-west-3")
        let path = "/bucket/" + SigV4Signer.encodePath(key)
        let headers = [("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")]
        let payload = try Command.run("python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())", body])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let request = SigV4Signer.Request(method: method, host: "127.0.0.1:9000", path: path, query: query, headers: headers, payloadHash: payload)
        let ours = try #require(authorization(signer.sign(request, at: date("2026-12-03T10:00:00Z"))))

        let url = "http://127.0.0.1:9000\(path)" + (query.isEmpty ? "" : "?" + SigV4Signer.canonicalQuery(query))
        let script = """
            import datetime, sys
            from unittest import mock
            from botocore.auth import S3SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            method, url, body, token = sys.argv[1:5]
            request = AWSRequest(method=method, url=url, data=body.encode(), headers={"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="})
            with mock.patch("botocore.auth.get_current_datetime", return_value=datetime.datetime(2026, 12, 3, 10, 0, 0)):
                S3SigV4Auth(Credentials("AKIAIOSFODNN7EXAMPLE", "secret/with+chars", token or None), "s3", "eu-west-3").add_auth(request)
            print(request.headers["Authorization"])
            """
        let botocore = try Command.run("python3", ["-c", script, method, url, body, token ? "session-token/xyz==" : ""])
        #expect(botocore.status == 0, "\(botocore.stderr)")
        #expect(ours == botocore.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
