import Foundation
import Stages
import Testing

/// ID3 "Latin-1" text that holds GBK, Big5 or Shift-JIS bytes is read as what it is; real
/// Latin-1 names stay as they are; what cannot be told apart stays Latin-1, marked uncertain.
@Suite struct LegacyTagTextTests {
    /// The bytes as libav hands them over: one Latin-1 character per byte.
    func latin1(_ hex: String) -> String {
        var scalars = String.UnicodeScalarView()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            scalars.append(Unicode.Scalar(UInt8(hex[index..<next], radix: 16)!))
            index = next
        }
        return String(scalars)
    }

    @Test(arguments: [
        ("c7e7ccec", "晴天", "GBK"), ("d6dcbddcc2d7", "周杰伦", "GBK"), ("b1b1bea9", "北京", "GBK"),
        ("ced2c3c7b5c4b0ae", "我们的爱", "GBK"),
        ("a950aa4eaddb", "周杰倫", "Big5"), ("b4b8a4d1", "晴天", "Big5"), ("b752b1a1", "愛情", "Big5"),
        ("894691bd93638371834a838b", "宇多田ヒカル", "Shift-JIS"), ("90b09356", "晴天", "Shift-JIS"),
        ("e699b4e5a4a9", "晴天", "UTF-8"),
    ])
    func legacyBytesAreReadAsTheirEncoding(hex: String, text: String, encoding: String) {
        let reading = LegacyTagText.read(latin1(hex))
        #expect(reading == .init(text: text, encoding: encoding, certain: true))
    }

    @Test(arguments: ["Motörhead", "Björk", "Sigur Rós", "Beyoncé", "Céline Dion", "Ação"])
    func latin1NamesStayAsTheyAre(_ name: String) {
        let reading = LegacyTagText.read(name)
        #expect(reading.text == name)
        #expect(reading.certain)
    }

    @Test func textThatIsNotInQuestionIsLeftAlone() {
        #expect(LegacyTagText.read("Adele") == .init(text: "Adele", encoding: nil, certain: true))
        #expect(LegacyTagText.read("晴天") == .init(text: "晴天", encoding: nil, certain: true))
    }

    @Test func aReadingNothingStandsOutForIsKeptAndMarkedUncertain() {
        // Two bytes that are a symbol in GBK and one in Big5 (row A1 of both): no reading wins.
        let value = latin1("a1a2")
        let reading = LegacyTagText.read(value)
        #expect(reading.text == value)
        #expect(reading.encoding == "Latin-1")
        #expect(!reading.certain)
        #expect(reading.guess != nil)
    }
}
