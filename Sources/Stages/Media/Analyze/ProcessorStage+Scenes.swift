import Engine
import Foundation

extension ProcessorStage {
    /// Scene cuts in one decode of the video, and the posters beside the original.
    func scenes(_ input: String, _ target: Target, replacing oldPosters: [DerivedFile]) async throws {
        let posters = libraryOriginals && plan.posterWidth > 0 ? target.context.temporaryPath(suffix: ".posters") : nil
        if let posters { try FileManager.default.createDirectory(atPath: posters, withIntermediateDirectories: true) }
        defer { if let posters { try? FileManager.default.removeItem(atPath: posters) } }
        let found: (cuts: SceneCuts, warnings: [String])
        do {
            found = try await target.context.withLane(.cpu) {
                try await SceneCuts.detect(
                    input, threshold: plan.sceneThreshold, posterWidth: plan.posterWidth, posterEvery: plan.posterEvery, posterDirectory: posters)
            }
        } catch let error as AnalyzeError {
            if libraryOriginals { try await keep([], kind: .poster, ext: "jpg", format: "jpeg", for: .scenes, target, replacing: oldPosters) }
            return try await saveFailure(.scenes, error, target)
        }
        // The posters first (none with poster_width 0: the old ones go), the result last.
        if libraryOriginals {
            let made = found.cuts.posterTimes.indices.map { index in
                (name: SceneCuts.posterName(index), path: "\(posters ?? "")/\(SceneCuts.posterName(index)).jpg")
            }
            try await keep(made, kind: .poster, ext: "jpg", format: "jpeg", for: .scenes, target, replacing: oldPosters)
        }
        try await save(.scenes, found.cuts.json, warnings: found.warnings, target)
    }
}
