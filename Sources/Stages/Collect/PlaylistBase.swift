public import Foundation

/// Where a playlist lives, to resolve the relative locations it holds.
public struct PlaylistBase: Sendable {
    /// The playlist's own URL (`file:///dir/list.m3u` or `https://host/list.m3u`).
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// An absolute URL for `location`: a URL with a scheme as is; an absolute path as a file
    /// URL; a relative path (or URL reference) against the playlist. Nil when it is not usable.
    public func resolve(_ location: String) -> Result<String, LocationError> {
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(.empty) }
        if let scheme = Self.scheme(of: trimmed) {
            guard ["http", "https", "file"].contains(scheme) else { return .failure(.unsupportedScheme(scheme)) }
            guard let url = URL(string: trimmed), url.host != nil || scheme == "file" else {
                return .failure(.malformed(trimmed))
            }
            return .success(url.absoluteString)
        }
        if url.isFileURL {
            if trimmed.hasPrefix("/") { return .success(URL(fileURLWithPath: trimmed).standardized.absoluteString) }
            let path = url.deletingLastPathComponent().appendingPathComponent(trimmed).standardized
            return .success(path.absoluteString)
        }
        let escaped = trimmed.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? trimmed
        guard let resolved = URL(string: escaped, relativeTo: url)?.absoluteURL else { return .failure(.malformed(trimmed)) }
        return .success(resolved.absoluteString)
    }

    /// The scheme of `text` when it starts with one (`http:`, `file:`); Windows drive letters
    /// and plain paths have none.
    static func scheme(of text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon]
        guard scheme.count >= 2, scheme.first!.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { return nil }
        return scheme.lowercased()
    }

    public enum LocationError: Error, CustomStringConvertible {
        case empty
        case unsupportedScheme(String)
        case malformed(String)

        public var description: String {
            switch self {
            case .empty: "empty location"
            case .unsupportedScheme(let scheme): "unsupported URL scheme '\(scheme)' (http, https and file are)"
            case .malformed(let text): "'\(text)' is not a valid URL"
            }
        }
    }
}
