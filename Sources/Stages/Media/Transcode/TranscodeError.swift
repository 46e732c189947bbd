/// Why a rendition could not be made; each message names the input and the cause.
public enum TranscodeError: Error, Sendable, CustomStringConvertible {
    case unknownProfile(String, known: [String])
    case invalidOption(String)
    /// libav (or the frame path) failed: the input, and "operation: reason".
    case failed(input: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownProfile(let name, let known): "unknown profile '\(name)' (known: \(known.joined(separator: ", ")))"
        case .invalidOption(let message): message
        case .failed(let input, let reason): "\(input): \(reason)"
        case .cannotWrite(let path, let reason): "\(path): \(reason)"
        }
    }
}
