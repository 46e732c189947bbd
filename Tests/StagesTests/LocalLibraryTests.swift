import Engine
import Foundation
@testable import Stages
import Testing
import TestSupport

@Suite struct LocalLibraryTests {
    @Test func aLocatorMapsInsideTheLibraryOrNowhere() throws {
        let library = LocalLibrary(root: URL(fileURLWithPath: "/srv/library/"))
        #expect(library.path(for: "src/Band/Song.mp3") == "/srv/library/src/Band/Song.mp3")
        #expect(library.path(for: "src/./Band/../Other/Song.mp3") == "/srv/library/src/Other/Song.mp3")
        #expect(library.path(for: "src//Band/") == "/srv/library/src/Band")
        for escaping in ["..", "../x", "src/../../x", "", ".", "/"] {
            #expect(library.path(for: escaping) == nil, "\(escaping)")
        }
    }

    /// A folder the library made and placed into, then removed behind its back, is made again
    /// for the next file placed there.
    @Test func aRemovedFolderIsMadeAgain() throws {
        let root = try TemporaryDirectory("library"), temp = try TemporaryDirectory("tmp")
        let library = LocalLibrary(root: root.url)
        for (index, name) in ["one", "two"].enumerated() {
            let file = try temp.write("\(name).bin", name)
            try library.place(file, at: "src/Band/\(name).bin")
            #expect(try String(contentsOfFile: root.file("src/Band/\(name).bin").path, encoding: .utf8) == name)
            if index == 0 { try FileManager.default.removeItem(at: root.file("src/Band")) }
        }
    }

    /// A file placed by an attempt whose record failed: without a lease it is removed; under a
    /// lease it stays, even when the failure is not a lost lease (a worker cut off from the
    /// store cannot tell), since a newer attempt may have adopted and recorded it meanwhile.
    @Test(arguments: [false, true])
    func aFileAnAttemptCouldNotRecordIsRemovedOnlyWithoutALease(leased: Bool) async throws {
        struct Unreachable: Error {}
        let root = try TemporaryDirectory("library"), temp = try TemporaryDirectory("tmp"), dir = try TemporaryDirectory("store")
        let store = try SQLiteJobStore(path: dir.file("engine.sqlite").path)
        let library = LocalLibrary(root: root.url)
        try library.place(try temp.write("song.mp3", "bytes"), at: "src/Band/Song.mp3")
        await library.abandon(
            "src/Band/Song.mp3", claim: .original(sha256: String(repeating: "a", count: 64)),
            lease: leased ? ItemLease(jobItemID: 1, token: "t") : nil, store: store, after: Unreachable())
        #expect(FileManager.default.fileExists(atPath: root.file("src/Band/Song.mp3").path) == leased)
    }
}
