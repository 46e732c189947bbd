import Engine
import Foundation

/// A path into a JSON document: `data.items`, `artists[].name` (each element of a list),
/// `artists[0].name` (one element); the empty path is the document itself.
enum JSONPath {
    /// Every value the path reaches (several through `[]`); nulls are left out.
    static func values(_ path: String, in document: JSONValue) -> [JSONValue] {
        var current = [document]
        for component in path.split(separator: ".") {
            var name = Substring(component), index: Int?, each = false
            if let open = component.firstIndex(of: "["), component.hasSuffix("]") {
                name = component[..<open]
                let inside = component[component.index(after: open)..<component.index(before: component.endIndex)]
                if inside.isEmpty { each = true } else { index = Int(inside) ?? -1 }
            }
            current = current.flatMap { value -> [JSONValue] in
                guard let reached = name.isEmpty ? value : value[String(name)] else { return [] }
                guard each || index != nil else { return [reached] }
                guard case .array(let list) = reached else { return [] }
                if let index { return list.indices.contains(index) ? [list[index]] : [] }
                return list
            }
        }
        return current.filter { if case .null = $0 { false } else { true } }
    }

    static func value(_ path: String, in document: JSONValue) -> JSONValue? {
        values(path, in: document).first
    }

    /// A scalar as text: strings as they are, numbers as written.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): number.isFinite ? String(number) : nil
        default: nil
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number.isFinite ? number : nil
        case .string(let text): Double(text.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    /// A number within `range` (a size, a duration, a bitrate from a remote document: anything
    /// outside is no value, never a trap when converted).
    static func number(_ value: JSONValue?, in range: ClosedRange<Double>) -> Double? {
        number(value).flatMap { range.contains($0) ? $0 : nil }
    }

    static func bool(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag): flag
        case .int(let number): number != 0
        case .string(let text): ["true": true, "false": false, "1": true, "0": false][text.lowercased()]
        default: nil
        }
    }
}
