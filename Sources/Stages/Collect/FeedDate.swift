import Foundation

/// The dates feeds carry: RFC 822 in RSS (`Wed, 02 Oct 2002 13:00:00 GMT`, with or without the
/// weekday and seconds, a numeric offset or a zone name) and RFC 3339 in Atom
/// (`2003-12-13T18:30:02Z`, with fractional seconds or an offset).
enum FeedDate {
    static func parse(_ text: String) -> Date? {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { return nil }
        if let date = try? Date(value, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: false)) { return date }
        if let date = try? Date(value, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        // RFC 822 zone names (EST, PDT…) Foundation does not read as `zzz`: as offsets.
        var normalized = value.replacingOccurrences(of: "  ", with: " ")
        for (zone, offset) in zones where normalized.hasSuffix(" " + zone) {
            normalized = String(normalized.dropLast(zone.count)) + offset
            break
        }
        for format in rfc822Formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(secondsFromGMT: 0)
            formatter.dateFormat = format
            if let date = formatter.date(from: normalized) { return date }
        }
        return nil
    }

    private static let rfc822Formats = [
        "EEE, d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z", "d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm Z",
        "EEE, d MMM yy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm:ss", "yyyy-MM-dd HH:mm:ss Z", "yyyy-MM-dd",
    ]

    private static let zones = [
        ("UT", "+0000"), ("GMT", "+0000"), ("Z", "+0000"), ("EST", "-0500"), ("EDT", "-0400"), ("CST", "-0600"),
        ("CDT", "-0500"), ("MST", "-0700"), ("MDT", "-0600"), ("PST", "-0800"), ("PDT", "-0700"),
    ]
}
