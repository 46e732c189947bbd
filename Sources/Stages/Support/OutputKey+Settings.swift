public import Engine

extension OutputKey {
    /// The settings part of a key: the first 16 hex digits of the SHA-256 of the canonical text.
    public static func settingsHash(_ text: String) -> String {
        let digest = (try? SHA256Hasher()).flatMap { hasher in (try? hasher.update(Array(text.utf8))).flatMap { try? hasher.finalize() } }
        return String(digest?.hex.prefix(16) ?? "")
    }
}
