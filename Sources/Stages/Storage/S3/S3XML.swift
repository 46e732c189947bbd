import Foundation

/// The few things the engine reads from S3's XML answers (ListObjectsV2, ListParts,
/// ListMultipartUploads, InitiateMultipartUpload, errors): elements with text and no
/// attributes, found by name, inside the blocks that hold them. No general XML parser is
/// needed for these documents, and none with entity expansion is given their text.
struct S3XML {
    let text: String

    init(_ text: String) { self.text = text }

    /// The text of the first `<name>…</name>`.
    func value(_ name: String) -> String? { values(name).first }

    /// The text of every `<name>…</name>`, in order.
    func values(_ name: String) -> [String] { blocks(name).map(Self.unescape) }

    /// The inner text of every `<name>…</name>` (or `<name attr="…">…</name>`), as documents.
    func elements(_ name: String) -> [S3XML] { blocks(name).map(S3XML.init) }

    private func blocks(_ name: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(name)") {
            let afterName = rest[open.upperBound...]
            guard let first = afterName.first, first == ">" || first == " " else {
                rest = afterName
                continue
            }
            guard let openEnd = afterName.firstIndex(of: ">") else { break }
            if openEnd > afterName.startIndex, afterName[afterName.index(before: openEnd)] == "/" {  // <name/>
                found.append("")
                rest = afterName[afterName.index(after: openEnd)...]
                continue
            }
            let body = afterName[afterName.index(after: openEnd)...]
            guard let close = body.range(of: "</\(name)>") else { break }
            found.append(String(body[..<close.lowerBound]))
            rest = body[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
