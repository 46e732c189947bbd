/// A byte count as people read it, in binary units: `812 bytes`, `1.5 KiB`, `42.0 MiB`.
package enum ByteCountText {
    public static func format(_ count: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) bytes" : String(format: "%.1f ", value) + units[unit]
    }
}
