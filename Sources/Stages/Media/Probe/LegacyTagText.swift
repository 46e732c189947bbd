import Foundation

/// Tag text that an old tagger wrote in a local code page but marked as Latin-1 (ID3v1, and
/// ID3v2.3 frames with encoding 0): libav reads each byte as one Latin-1 character, so `晴天`
/// (GBK C7E7 CCEC) arrives as `ÇçÌì`. `read` takes such a value back to its bytes and decodes
/// them as UTF-8 (certain when valid), GBK, Big5 or Shift-JIS, choosing by how plausible each
/// reading is — as foobar2000 and mutagen-based taggers do. When no reading stands out, the
/// Latin-1 text stays and the reading is marked uncertain.
package enum LegacyTagText {
    public struct Reading: Sendable, Equatable {
        public var text: String
        /// The encoding the text was read as (`Latin-1` when kept); nil when the value was not
        /// in question (plain ASCII, or characters beyond Latin-1).
        public var encoding: String?
        /// False when the value was kept as Latin-1 although another reading was possible.
        public var certain: Bool
        /// The likeliest other reading's encoding, when the Latin-1 text was kept uncertain.
        public var guess: String? = nil

        public init(text: String, encoding: String?, certain: Bool, guess: String? = nil) {
            self.text = text
            self.encoding = encoding
            self.certain = certain
            self.guess = guess
        }
    }

    public static func read(_ value: String) -> Reading {
        let scalars = value.unicodeScalars
        guard scalars.allSatisfy({ $0.value <= 0xFF }), scalars.contains(where: { $0.value >= 0x80 }) else {
            return Reading(text: value, encoding: nil, certain: true)
        }
        let bytes = scalars.map { UInt8($0.value) }
        if let utf8 = String(validating: bytes, as: UTF8.self) { return Reading(text: utf8, encoding: "UTF-8", certain: true) }
        let readings = Candidate.allCases.compactMap { candidate -> (candidate: Candidate, text: String, score: Double)? in
            guard let text = candidate.decode(bytes) else { return nil }
            return (candidate, text, candidate.score(bytes, decoded: text))
        }.sorted { $0.score > $1.score }
        let latinPlausible = isPlausibleLatin1(scalars)
        guard let best = readings.first else { return Reading(text: value, encoding: nil, certain: true) }
        let runnerUp = readings.dropFirst().first?.score ?? 0
        if best.score >= 0.6, best.score - runnerUp >= 0.15, !latinPlausible || best.score >= 1.2 {
            return Reading(text: best.text, encoding: best.candidate.name, certain: true)
        }
        // Latin-1 it stays; certain only when it reads as a European name and nothing else does.
        let certain = latinPlausible && best.score < 0.6
        return Reading(text: value, encoding: "Latin-1", certain: certain, guess: certain ? nil : best.candidate.name)
    }

    /// Accented letters among ASCII ones, never more than two in a row (`Motörhead`, `ação`),
    /// rather than the runs of symbols and capitals that double-byte text makes.
    static func isPlausibleLatin1(_ scalars: String.UnicodeScalarView) -> Bool {
        var run = 0
        var asciiLetters = false
        for scalar in scalars {
            if scalar.value < 0x80 {
                run = 0
                if scalar.properties.isAlphabetic { asciiLetters = true }
                continue
            }
            guard (0xC0...0xFF).contains(scalar.value), scalar.value != 0xD7, scalar.value != 0xF7 else { return false }
            run += 1
            if run > 2 { return false }
        }
        return asciiLetters
    }

    enum Candidate: CaseIterable {
        case gbk, big5, shiftJIS

        var name: String {
            switch self {
            case .gbk: "GBK"
            case .big5: "Big5"
            case .shiftJIS: "Shift-JIS"
            }
        }

        var iconvName: String {
            switch self {
            case .gbk: "GB18030"
            case .big5: "BIG5"
            case .shiftJIS: "CP932"
            }
        }

        /// The bytes decoded strictly (nil when any sequence is invalid in this encoding).
        func decode(_ bytes: [UInt8]) -> String? {
            let converter = iconv_open("UTF-8", iconvName)
            guard converter != iconv_t(bitPattern: -1) else { return nil }
            defer { iconv_close(converter) }
            var input = bytes.map { CChar(bitPattern: $0) }
            var output = [CChar](repeating: 0, count: bytes.count * 4 + 4)
            let produced = input.withUnsafeMutableBufferPointer { inBuffer -> Int? in
                output.withUnsafeMutableBufferPointer { outBuffer -> Int? in
                    var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                    var inLeft = inBuffer.count
                    var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                    var outLeft = outBuffer.count
                    guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else { return nil }
                    return outBuffer.count - outLeft
                }
            }
            guard let produced else { return nil }
            return String(validating: output[..<produced].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        /// How plausible the reading is: the mean weight of its multi-byte characters by where
        /// they sit in the code page (the everyday characters' area weighs most, symbol rows,
        /// kana inside a Chinese code page and rarely used areas little), plus half the share of
        /// its characters that are among the most common ones of the language.
        func score(_ bytes: [UInt8], decoded: String) -> Double {
            var weights: [Double] = []
            var index = 0
            while index < bytes.count {
                let lead = bytes[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                if self == .shiftJIS, (0xA1...0xDF).contains(lead) {  // half-width katakana, one byte
                    weights.append(0.1)
                    index += 1
                    continue
                }
                let trail = index + 1 < bytes.count ? bytes[index + 1] : 0
                weights.append(weight(lead: lead, trail: trail))
                index += 2
            }
            guard !weights.isEmpty else { return 0 }
            let characters = decoded.unicodeScalars.filter { $0.value >= 0x80 }
            let common = characters.filter { commonCharacters.contains($0) }.count
            return weights.reduce(0, +) / Double(weights.count) + 0.5 * Double(common) / Double(max(characters.count, 1))
        }

        private func weight(lead: UInt8, trail: UInt8) -> Double {
            switch self {
            case .gbk:
                guard (0xA1...0xFE).contains(trail) else { return 0.1 }  // GBK's extension: rare characters
                switch lead {
                case 0xB0...0xD7: return 1.0  // GB2312 level 1: the 3,755 everyday characters
                case 0xD8...0xF7: return 0.5  // level 2
                case 0xA4, 0xA5: return 0.05  // kana rows
                case 0xA1...0xA9: return 0.2  // symbols
                default: return 0.1
                }
            case .big5:
                switch lead {
                case 0xA4...0xC5: return 1.0  // the frequently used characters
                case 0xC6 where trail <= 0x7E: return 1.0
                case 0xC9...0xF9: return 0.5  // the less frequent ones
                case 0xA1...0xA3: return 0.2  // symbols
                default: return 0.05  // reserved and user areas
                }
            case .shiftJIS:
                switch lead {
                case 0x82 where (0x9F...0xF1).contains(trail): return 1.0  // hiragana
                case 0x83 where (0x40...0x96).contains(trail): return 1.0  // katakana
                case 0x88...0x97: return 0.8  // JIS level 1 kanji
                case 0x98...0xEA: return 0.3
                case 0x81: return 0.3  // punctuation
                default: return 0.1
                }
            }
        }

        private var commonCharacters: Set<Unicode.Scalar> {
            switch self {
            case .gbk: Self.sharedHanzi.union(Self.simplifiedHanzi)
            case .big5: Self.sharedHanzi.union(Self.traditionalHanzi)
            case .shiftJIS: Self.kana.union(Self.sharedHanzi)
            }
        }

        /// Among the most frequent Chinese characters, written alike in both scripts.
        static let sharedHanzi = Set(
            "的一是不了人我在有他中大上到子和你地出道也年得就那要下以生自着去之家学可她小心多天而能好都然日于起成事只作想看文手十用主行方又如前所本公同三已老从知民样分外但身些高意把法此回二美点月明其种全工己者向情部正名定女力几很最新什打便位因重被走四第相次政海口使教西再平真世气信北少并内加化由却代入先山五太水市眼体别才比住九笑性通目立命活神数件安表原白路期叫死常提感金何更反合放做计或司利受光王果界及今京制各任至清物台象共风干接它许八特望直服毛林题建南度色字请交算百吃义科怎元社术结六功指思非流每青管夫远跟花快条院言权往展近留治决周保办武半候七必城父步完革深即求品士量空甚技程告江语英基派满式李息写呢极令黄德收脸未持音星月夜雨梦歌唱春秋冬夏爱恋故乡晴天雪云花香心灯火光影"
                .unicodeScalars)
        /// Frequent characters in their simplified form only.
        static let simplifiedHanzi = Set(
            "们这来个说为时会过对里后么没还发当开见经头动两长现将与进实话儿问机给业间电门东产军场师书员华报马张难应车总边战觉统让认论资队带变联该领传红达运转众轻区爱国学乐听恋梦飞".unicodeScalars)
        /// The same, in their traditional form.
        static let traditionalHanzi = Set(
            "們這來個說為時會過對裡後麼沒還發當開見經頭動兩長現將與進實話兒問機給業間電門東產軍場師書員華報馬張難應車總邊戰覺統讓認論資隊帶變聯該領傳紅達運轉眾輕區愛國學樂聽戀夢飛倫傑".unicodeScalars)
        static let kana = Set((0x3041...0x30FF).compactMap(Unicode.Scalar.init))
    }
}
