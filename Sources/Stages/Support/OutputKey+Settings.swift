public import Engine

extension OutputKey {
    /// The settings part of a key: the first 16 hex digits of the SHA-256 of the canonical text.
    public static func settingsHash(_ text: String) -> String {
        String((try? SHA256Digest.of(Array(text.utf8)))?.hex.prefix(16) ?? "")
    }
}
