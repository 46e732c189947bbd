import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine presign BACKEND KEY [--expires S]`: a presigned GET URL (SigV4 query signing).
struct PresignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "presign", abstract: "Print a presigned GET URL for an object of a backend.")
    @Argument(help: "The backend's name.") var backend: String
    @Argument(help: "The object's key (as stored: the library locator under the base prefix).") var key: String
    @Option(help: "Seconds the URL stays valid (at most 604800, a week).") var expires = 3600
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        guard (1...604_800).contains(expires) else { throw ValidationError("--expires must be from 1 to 604800 seconds") }
    }

    func run() async throws {
        let store = try await BackendCommand.store(data, command: "presign")
        do {
            let url = try await BackendAccess.client(named: backend, store: store).presignedURL(key, expires: expires)
            // The one output that is a secret by design (whoever holds it may fetch the object
            // until it expires): printed whole, never logged.
            FileHandle.standardOutput.write(Data((url + "\n").utf8))
        } catch {
            Output.error("presign", "\(error)")
            throw EngineExit.usage
        }
    }
}
