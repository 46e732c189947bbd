/// The Content-Type an object gets from its key's extension (what a browser plays it as from a
/// public URL); `application/octet-stream` for the others.
enum MediaType {
    static let byExtension: [String: String] = [
        "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "flac": "audio/flac", "ogg": "audio/ogg", "opus": "audio/ogg",
        "oga": "audio/ogg", "wav": "audio/wav", "mp4": "video/mp4", "m4v": "video/mp4", "mov": "video/quicktime", "mkv": "video/x-matroska",
        "webm": "video/webm", "avi": "video/x-msvideo", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "json": "application/json",
    ]

    static func of(_ key: String) -> String {
        guard let dot = key.lastIndex(of: "."), !key[dot...].contains("/") else { return "application/octet-stream" }
        return byExtension[key[key.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
