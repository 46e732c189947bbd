package import Engine

/// The fingerprint processor's result: Chromaprint's compressed base64 fingerprint of the
/// first 120 s, as `fpcalc` prints it (the same converter to 16-bit mono at Chromaprint's rate,
/// the same algorithm), with the duration in whole seconds as fpcalc gives it.
package struct AcousticFingerprint: Sendable, Equatable {
    public static let processor = "fingerprint"
    public static let version = 1
    /// fpcalc's default `-length`.
    public static let seconds = 120.0

    public var fingerprint: String
    /// Whole seconds (the audio stream's duration, truncated), as fpcalc's DURATION.
    public var duration: Int

    public init(fingerprint: String, duration: Int) {
        self.fingerprint = fingerprint
        self.duration = duration
    }

    public var json: JSONValue {
        .object([
            ("processor", .string(Self.processor)), ("version", .int(Int64(Self.version))), ("algorithm", .int(2)),
            ("seconds", .double(Self.seconds)), ("duration", .int(Int64(duration))), ("fingerprint", .string(fingerprint)),
        ])
    }
}
