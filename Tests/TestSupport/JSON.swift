import Foundation

/// Parses command output as JSON (Foundation's parser, independent of the engine's writer).
public func parseJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}
