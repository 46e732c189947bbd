import Engine
import Foundation

/// Small formatting helpers for human-readable output.
enum Format {
    static func bytes(_ count: Int64) -> String { ByteCountText.format(count) }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }

    /// RFC 3339 in UTC (`2026-12-03T18:50:39Z`), as JSON output writes dates.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
