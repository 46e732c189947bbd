import Engine
import Foundation
import Testing
import TestSupport

@Suite struct AtomicFileTests {
    /// Publishing without replacing moves the file into a free name, and refuses a taken one
    /// leaving both files as they were.
    @Test func publishingWithoutReplacingNeverOverwrites() throws {
        #if os(Linux)
        #expect(AtomicFile.publishesWithOneRename)  // glibc has renameat2
        #endif
        let folder = try TemporaryDirectory("atomic")
        let first = try folder.write("first.part", "first")
        try AtomicFile.publish(first, at: folder.file("song.mp3").path, replacing: false)
        #expect(try String(contentsOfFile: folder.file("song.mp3").path, encoding: .utf8) == "first")
        #expect(!FileManager.default.fileExists(atPath: first))

        let second = try folder.write("second.part", "second")
        #expect {
            try AtomicFile.publish(second, at: folder.file("song.mp3").path, replacing: false)
        } throws: { error in
            if case AtomicFileError.exists = error { true } else { false }
        }
        #expect(try String(contentsOfFile: folder.file("song.mp3").path, encoding: .utf8) == "first")
        #expect(try String(contentsOfFile: second, encoding: .utf8) == "second")

        try AtomicFile.publish(second, at: folder.file("song.mp3").path, replacing: true)
        #expect(try String(contentsOfFile: folder.file("song.mp3").path, encoding: .utf8) == "second")
    }
}
