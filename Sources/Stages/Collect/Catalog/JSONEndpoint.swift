import Foundation

/// What catalog levels and resolver searches share: a URL template filled with URL-encoded
/// values, and headers whose `$NAME` values come from the environment.
enum JSONEndpoint {
    struct MissingVariable: Error, CustomStringConvertible {
        let header: String, variable: String
        var description: String { "header \(header) needs $\(variable), which is not set" }
    }

    /// `template` with each `{placeholder}` replaced by its value, URL-encoded for a query or a path segment.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#?/")
        return values.reduce(template) { url, pair in
            url.replacingOccurrences(of: pair.key, with: pair.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }
    }

    /// The headers, `$NAME` values taken from `environment` (a missing one is an error naming it, never its value).
    static func headers(_ headers: [String: String], environment: [String: String]) throws -> [(String, String)] {
        try headers.sorted { $0.key < $1.key }.map { name, value in
            guard value.hasPrefix("$") else { return (name, value) }
            let variable = String(value.dropFirst())
            guard let resolved = environment[variable], !resolved.isEmpty else { throw MissingVariable(header: name, variable: variable) }
            return (name, resolved)
        }
    }
}
