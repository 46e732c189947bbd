@testable import Stages
import Testing

@Suite struct LibraryPathTests {
    @Test func locatorIsSourceCreatorTitle() {
        #expect(LibraryPath.locator(source: "local", creator: "Band", title: "Song", ext: "MP3") == "local/Band/Song.mp3")
        #expect(LibraryPath.locator(source: "local", creator: nil, title: "", ext: "") == "local/Unknown Artist/Untitled")
    }

    @Test func traversalCannotLeaveTheFolder() {
        let locator = LibraryPath.locator(source: "..", creator: "../..", title: "../../etc/passwd", ext: "mp3")
        #expect(!locator.split(separator: "/").contains { $0 == ".." || $0 == "." || $0.hasPrefix(".") })
        #expect(locator.split(separator: "/").count == 3)
        #expect(locator.hasSuffix("etc⧸passwd.mp3"))
    }

    @Test func controlCharactersBecomeSingleSpaces() {
        #expect(LibraryPath.component("Bell\u{07}\u{07}and\tTab\nNew\u{7F}line \u{200B}", fallback: "x") == "Bell and Tab New line")
    }

    @Test func longNamesAreCutOnACharacterBoundary() {
        let name = LibraryPath.component(String(repeating: "é", count: 400), fallback: "x")
        #expect(name.utf8.count <= LibraryPath.maxComponentBytes)
        #expect(name.allSatisfy { $0 == "é" })
    }

    @Test func disambiguationKeepsTheExtension() {
        #expect(LibraryPath.disambiguated("local/Band/Song.mp3", tag: "ab12cd34") == "local/Band/Song [ab12cd34].mp3")
    }

    @Test func extensionComesFromTheProbedFormat() {
        #expect(LibraryPath.extensionFor(format: "mov,mp4,m4a,3gp,3g2,mj2") == "mp4")
        #expect(LibraryPath.extensionFor(format: "matroska,webm") == "mkv")
        #expect(LibraryPath.extensionFor(format: "mp3") == "mp3")
        #expect(LibraryPath.extensionFor(format: nil) == "")
    }
}
