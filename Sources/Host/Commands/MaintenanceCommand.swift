import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine maintenance …`: keeping a library healthy over the years.
struct MaintenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance", abstract: "Keep the library healthy: find copies no one needs (duplicates, dedupe) and bit rot (verify).",
        subcommands: [DuplicatesCommand.self, DedupeCommand.self, VerifyCommand.self])
}

/// `engine maintenance verify [--sample PERCENT] [--backend NAME] [--repair]`: re-hashes the
/// stored copies — library files and S3 objects — at a bounded rate, two at a time; a copy
/// whose SHA-256 no longer matches (or that is gone) is marked `corrupt` and, if it was the
/// primary copy, another healthy one becomes primary; `--repair` puts the bytes back from a
/// healthy copy or the item's source URL.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Re-hash stored files; mark the ones whose bytes changed corrupt; --repair restores them.")

    @Option(help: "Check this share of the copies, picked at random (1-100).") var sample: Double = 100
    @Option(help: "Only the copies on this backend (`library` for the local library).") var backend: String?
    @Flag(help: "Restore each bad copy from a healthy one (another backend) or from its item's source URL.") var repair = false
    @Option(name: .customLong("limit-rate"), help: "Bytes read per second at most (K, M, G); 0: no limit.") var limitRate = "256M"
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        guard sample > 0, sample <= 100 else { throw ValidationError("--sample: a percentage above 0, at most 100") }
        guard limitRate == "0" || ByteSize.parse(limitRate) != nil else { throw ValidationError("--limit-rate: bytes per second, or a number with K, M or G") }
    }

    func run() async throws {
        let (settings, store) = try await data.existingStore(command: "maintenance verify")
        if let backend, try await store.backend(named: backend) == nil {
            Output.error("maintenance verify", "no backend '\(backend)' (`engine backend list`)")
            throw EngineExit.usage
        }
        let all = try await store.storedLocations(backend: nil)
        var chosen = all.filter { backend == nil || $0.backend == backend }
        if sample < 100 { chosen = Array(chosen.shuffled().prefix(max(1, Int((Double(chosen.count) * sample / 100).rounded(.up))))) }
        // A library folder that is not there (an unmounted volume) is not a library whose every
        // file is missing: nothing is checked, nothing marked, nothing "repaired" onto the mount point.
        let libraryRoot = settings.directory.library
        if (backend == nil || backend == LocalLibrary.backendName), chosen.contains(where: { $0.backendKind == "local_fs" }),
            !FileManager.default.fileExists(atPath: libraryRoot.path)
        {
            Output.error("maintenance verify", "the library folder \(libraryRoot.path) is missing (a volume not mounted?): nothing was checked")
            throw EngineExit.cannotRun
        }
        try FileManager.default.createDirectory(at: settings.directory.temporary, withIntermediateDirectories: true)
        let rate = limitRate == "0" ? nil : ByteSize.parse(limitRate)
        let verifier = LocationVerifier(
            store: store, library: LocalLibrary(root: settings.directory.library), temporary: settings.directory.temporary,
            objectStores: BackendAccess.clients(store: store), limit: rate.map { BandwidthLimit(bytesPerSecond: $0) })
        let tally = VerifyTally(total: chosen.count, bytes: chosen.reduce(0) { $0 + $1.size })
        let progress = isatty(STDERR_FILENO) == 1 && !json ? Task { await tally.showProgress() } : nil
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            var next = chosen.makeIterator()
            func add() -> Bool {
                guard let location = next.next() else { return false }
                group.addTask { await verify(location, verifier: verifier, store: store, copies: all, tally: tally) }
                return true
            }
            // Two at a time: one file hashing per core.
            for _ in 0..<2 where add() {}
            while await group.next() != nil { _ = add() }
        }
        progress?.cancel()
        if progress != nil { Terminal.clearProgress() }
        let summary = await tally.summary(seconds: Format.seconds(ContinuousClock.now - started))
        Output.line(json ? summary.json.serialized() : summary.text)
        if summary.unresolved > 0 { throw EngineExit.failures }
    }

    private func verify(_ location: StoredLocation, verifier: LocationVerifier, store: any EngineStore, copies: [StoredLocation], tally: VerifyTally) async {
        let finding = await verifier.check(location)
        do {
            switch finding {
            case .ok:
                try await store.recordCheck(locationID: location.id, sha256: location.sha256, problem: nil)
                await tally.add(location, finding, repaired: nil)
            case .unreadable:
                await tally.add(location, finding, repaired: nil)
            case .bad(let problem):
                // Recorded only while the location and its asset are as they were when the check
                // began (no dedupe dropped it, no new rendition replaced it): else nothing is repaired.
                guard try await store.recordCheck(locationID: location.id, sha256: location.sha256, problem: problem) else {
                    await tally.add(location, .unreadable("changed while it was checked (a job or a dedupe); checked again next time"), repaired: nil)
                    return
                }
                var repaired: String?
                if repair, let how = await verifier.repair(location, copies: copies),
                    try await store.recordCheck(locationID: location.id, sha256: location.sha256, problem: nil)
                {
                    repaired = how
                }
                await tally.add(location, finding, repaired: repaired)
            }
        } catch {
            await tally.add(location, .unreadable("its check could not be recorded: \(error)"), repaired: nil)
        }
    }
}
