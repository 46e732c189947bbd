import Engine
import Foundation
import Testing
import TestSupport

@Suite struct JSONValueTests {
    @Test func objectsKeepInsertionOrder() {
        let value = JSONValue.object([("zeta", .int(1)), ("alpha", .int(2)), ("mid", .int(3))])
        #expect(value.serialized(pretty: false) == #"{"zeta":1,"alpha":2,"mid":3}"#)
    }

    @Test func prettyOutputIndentsByFourSpacesLikeFFprobe() {
        let value = JSONValue.object([("streams", .array([.object([("index", .int(0))])])), ("format", .object([]))])
        #expect(value.serialized() == "{\n    \"streams\": [\n        {\n            \"index\": 0\n        }\n    ],\n    \"format\": {}\n}")
    }

    @Test func stringsWithQuotesBackslashesAndControlCharactersRoundTrip() throws {
        let hostile = "a \"quoted\" \\ path\n\twith \u{01} control and é ünïcode 🎵"
        let text = JSONValue.object([("s", .string(hostile)), ("n", .null), ("b", .bool(true)), ("d", .double(1.5))])
            .serialized()
        let parsed = try #require(try parseJSON(text) as? [String: Any])
        #expect(parsed["s"] as? String == hostile)
        #expect(parsed["n"] is NSNull)
        #expect(parsed["b"] as? Bool == true)
        #expect(parsed["d"] as? Double == 1.5)
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.array([.double(.infinity), .double(.nan)]).serialized(pretty: false) == "[null,null]")
    }

    @Test func subscriptFindsObjectMembers() {
        let value = JSONValue.object([("a", .string("x"))])
        guard case .string(let found)? = value["a"] else {
            Issue.record("member a not found")
            return
        }
        #expect(found == "x")
        #expect(value["missing"] == nil)
    }
}
