import Foundation

/// Keeps secrets that ride in URLs — `user:password@host`, `?token=…`, a presigned URL's
/// `X-Amz-Signature` — out of every log line, error, summary and JSON output. The URL itself
/// is kept whole where it must be used (the download, the catalog row in an owner-only
/// database); everything shown is passed through here.
package enum Redaction {
    public static let mask = "***"

    /// `url` with its user information and the values of secret-looking query parameters masked.
    public static func url(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        var result = String(url[..<schemeEnd.upperBound])
        var rest = url[schemeEnd.upperBound...]
        // user:password@ before the host (the authority ends at the first /, ? or #).
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            result += mask
            rest = rest[at...]
        }
        // The query's parameters, and the fragment's (an OAuth `#access_token=…`).
        guard let start = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return result + rest }
        result += rest[..<start]
        var remaining = rest[start...]
        while let separator = remaining.first {
            let body = remaining.dropFirst()
            let end = separator == "?" ? (body.firstIndex(of: "#") ?? body.endIndex) : body.endIndex
            result.append(separator)
            result += body[..<end].split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
                guard let equals = parameter.firstIndex(of: "="), isSecret(parameter[..<equals]) else { return String(parameter) }
                return parameter[...equals] + mask
            }.joined(separator: "&")
            remaining = body[end...]
        }
        return result
    }

    /// `text` with every URL in it redacted (a message that quotes a URL among other words).
    public static func scrub(_ text: String) -> String {
        guard hasScheme(text) else { return text }
        var result = ""
        var rest = text[...]
        // The standard library's search: Foundation's `range(of:)` on a substring copies the
        // rest of the text each time (quadratic on a long output with many URLs).
        while let schemeSeparator = rest.firstRange(of: "://") {
            // The URL starts at its scheme: the letters (and + - .) just before "://".
            var start = schemeSeparator.lowerBound
            while start > rest.startIndex {
                let previous = rest.index(before: start)
                guard rest[previous].isLetter || rest[previous].isNumber || "+-.".contains(rest[previous]) else { break }
                start = previous
            }
            var end = rest[schemeSeparator.upperBound...].firstIndex { $0.isWhitespace || "\"'<>`".contains($0) } ?? rest.endIndex
            // Punctuation that ends a sentence or a parenthesis is not part of the URL.
            while end > schemeSeparator.upperBound, ".,:;)]}".contains(rest[rest.index(before: end)]) { end = rest.index(before: end) }
            result += rest[..<start]
            result += url(String(rest[start..<end]))
            rest = rest[end...]
        }
        return result + rest
    }

    /// Whether `text` holds a `://` at all, looked for in its bytes. (Foundation's `contains`
    /// bridges the text to an NSString, and every log line's message and metadata come here.)
    private static func hasScheme(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var index = 0
            while index + 2 < bytes.count {
                if bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") { return true }
                index += 1
            }
            return false
        }
    }

    private static let secretNames: Set<String> = [
        "token", "key", "sig", "signature", "password", "passwd", "pwd", "pass", "secret", "auth", "apikey", "api_key",
        "access_token", "refresh_token", "id_token", "client_secret", "session", "sessionid", "credential", "credentials",
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature", "x-goog-credential",
    ]

    static func isSecret(_ name: Substring) -> Bool {
        let lower = (String(name).removingPercentEncoding ?? String(name)).lowercased()
        return secretNames.contains(lower) || ["token", "secret", "password", "signature", "apikey", "api_key"].contains { lower.contains($0) }
    }
}
