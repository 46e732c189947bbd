import Foundation

/// Library locators: `<source>/<first_creator>/<title>.<ext>`, each part sanitized so that no
/// input can leave the library or hide a file, and names stay readable.
package enum LibraryPath {
    /// Longest file or folder name in UTF-8 bytes, leaving room under NAME_MAX (255) for a
    /// disambiguating suffix and extension.
    public static let maxComponentBytes = 180

    public static func locator(source: String, creator: String?, title: String, ext: String) -> String {
        let ext = sanitizeExtension(ext)
        let name = component(title, fallback: "Untitled")
        return [component(source, fallback: "unknown-source"), component(creator ?? "", fallback: "Unknown Artist"),
                ext.isEmpty ? name : "\(name).\(ext)"].joined(separator: "/")
    }

    /// One path component: path separators become look-alike slashes (⧸ ⧹), control characters
    /// become spaces, runs of spaces collapse, leading dots and surrounding spaces go (no `..`,
    /// no hidden files), and the result is cut to `maxComponentBytes` on a character boundary.
    public static func component(_ raw: String, fallback: String) -> String {
        var out = ""
        var lastWasSpace = false
        for scalar in raw.unicodeScalars {
            let mapped: String
            switch scalar {
            case "/": mapped = "\u{29F8}"
            case "\\": mapped = "\u{29F9}"
            case _ where scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                || scalar == "\u{2028}" || scalar == "\u{2029}":
                mapped = " "
            case _ where scalar.properties.isWhitespace: mapped = " "
            default: mapped = String(scalar)
            }
            if mapped == " " {
                if lastWasSpace { continue }
                lastWasSpace = true
            } else {
                lastWasSpace = false
            }
            out += mapped
        }
        var trimmed = Substring(out).drop { $0 == " " || $0 == "." }
        while trimmed.last == " " || trimmed.last == "." { trimmed = trimmed.dropLast() }
        var result = String(trimmed)
        if result.utf8.count > maxComponentBytes {
            var cut = ""
            for character in result {
                if cut.utf8.count + String(character).utf8.count > maxComponentBytes { break }
                cut.append(character)
            }
            result = cut.trimmingCharacters(in: .whitespaces)
        }
        return result.isEmpty ? fallback : result
    }

    /// Letters and digits only, at most 8, lowercased.
    static func sanitizeExtension(_ ext: String) -> String {
        String(ext.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(8))
    }

    /// The locator with ` [<tag>]` before the extension, for a different file that would
    /// otherwise take an existing name.
    public static func disambiguated(_ locator: String, tag: String) -> String {
        renamed(locator) { stem, ext in ext.isEmpty ? "\(stem) [\(tag)]" : "\(stem) [\(tag)].\(ext)" }
    }

    /// The names a file may take, in order (`LocalLibrary.place(_:sha256:candidates:)`): the
    /// readable `base`, then `base` tagged with the first 8 characters of `sha256`, then with
    /// all of it; each passed through `name` (a rendition's name is built from its original's).
    /// Each is made when it is asked for: most files take the first.
    public static func candidates(_ base: String, sha256: String, name: @escaping (String) -> String = { $0 }) -> LazyMapCollection<[Int?], String> {
        [nil, 8, sha256.count].lazy.map { tag in name(tag.map { disambiguated(base, tag: String(sha256.prefix($0))) } ?? base) }
    }

    /// Where a rendition of the original at `locator` lives: beside it, `<stem>.<profile>.<ext>`.
    /// With `keepingExtension`, the original's whole file name is the stem
    /// (`clip.mp4.h264-720p.mp4`): objects in a bucket that differ only in their extension
    /// (`clip.mp4`, `clip.mov`) get renditions of different names.
    public static func rendition(of locator: String, profile: String, ext: String, keepingExtension: Bool = false) -> String {
        renamed(locator) { stem, original in
            let base = keepingExtension && !original.isEmpty ? "\(stem).\(original)" : stem
            return "\(base).\(component(profile, fallback: "rendition")).\(sanitizeExtension(ext))"
        }
    }

    /// The locator with its file name rebuilt from its stem and extension, in the same folder.
    private static func renamed(_ locator: String, _ name: (_ stem: String, _ ext: String) -> String) -> String {
        let url = URL(fileURLWithPath: locator)
        let file = name(url.deletingPathExtension().lastPathComponent, url.pathExtension)
        let folder = (locator as NSString).deletingLastPathComponent
        return folder.isEmpty ? file : "\(folder)/\(file)"
    }

    /// A file extension for a probed container when the URL gave none.
    public static func extensionFor(format: String?) -> String {
        guard let format else { return "" }
        let known: [(String, String)] = [
            ("mp3", "mp3"), ("flac", "flac"), ("wav", "wav"), ("ogg", "ogg"), ("matroska", "mkv"),
            ("mov", "mp4"), ("aac", "aac"), ("avi", "avi"), ("mpegts", "ts"),
        ]
        return known.first { format.split(separator: ",").contains(Substring($0.0)) }?.1 ?? ""
    }
}
