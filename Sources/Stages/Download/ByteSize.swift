import Foundation

/// Sizes as people write them for curl and rclone: `4096`, `500K`, `2M`, `1.5G` (powers of
/// 1024; a trailing `B`, `iB` and any case accepted).
package enum ByteSize {
    public static func parse(_ text: String) -> Int64? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces)).uppercased()[...]
        if body.hasSuffix("IB") { body = body.dropLast(2) } else if body.hasSuffix("B") { body = body.dropLast() }
        let scale: Double
        switch body.last {
        case "K": scale = 1024
        case "M": scale = 1024 * 1024
        case "G": scale = 1024 * 1024 * 1024
        case "T": scale = 1024 * 1024 * 1024 * 1024
        default: scale = 1
        }
        if scale > 1 { body = body.dropLast() }
        guard let number = Double(body), number > 0, number.isFinite else { return nil }
        let bytes = (number * scale).rounded()
        return bytes >= 1 && bytes < 9e18 ? Int64(bytes) : nil
    }
}
