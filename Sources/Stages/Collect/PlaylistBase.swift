package import Foundation

/// Where a playlist lives, to resolve the relative locations it holds.
package struct PlaylistBase: Sendable {
    /// The playlist's own URL (`file:///dir/list.m3u` or `https://host/list.m3u`).
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// An absolute URL for `location`: a URL with a scheme as is; an absolute path as a file
    /// URL; a relative path (or URL reference) against the playlist. Nil when it is not usable.
    public func resolve(_ location: String, isURIReference: Bool = false) -> Result<String, LocationError> {
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(.empty) }
        if let scheme = Self.scheme(of: trimmed) {
            guard ["http", "https", "file"].contains(scheme) else { return .failure(.unsupportedScheme(scheme)) }
            // A playlist from the network may not point into this machine's files.
            if scheme == "file", !url.isFileURL { return .failure(.localFileFromRemotePlaylist(trimmed)) }
            guard let url = URL(string: trimmed), url.host != nil || scheme == "file" else {
                return .failure(.malformed(trimmed))
            }
            return .success(url.absoluteString)
        }
        if url.isFileURL {
            // XSPF locations are URI references (`My%20Song.mp3`); M3U/PLS hold plain paths.
            let path = isURIReference ? (trimmed.removingPercentEncoding ?? trimmed) : trimmed
            if path.hasPrefix("/") { return .success(URL(fileURLWithPath: path).standardized.absoluteString) }
            return .success(url.deletingLastPathComponent().appendingPathComponent(path).standardized.absoluteString)
        }
        // Relative to a remote playlist: as written if it is a valid reference, else escaped.
        let reference = URL(string: trimmed, relativeTo: url)
            ?? URL(string: trimmed.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? trimmed, relativeTo: url)
        guard let resolved = reference?.absoluteURL else { return .failure(.malformed(trimmed)) }
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
        case localFileFromRemotePlaylist(String)

        public var description: String {
            switch self {
            case .empty: "empty location"
            case .unsupportedScheme(let scheme): "unsupported URL scheme '\(scheme)' (http, https and file are)"
            case .malformed(let text): "'\(text)' is not a valid URL"
            case .localFileFromRemotePlaylist(let text): "'\(text)': a remote playlist may not name local files"
            }
        }
    }
}
