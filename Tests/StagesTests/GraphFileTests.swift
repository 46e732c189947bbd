import Stages
import Testing
import TestSupport

@Suite struct GraphFileTests {
    @Test func theBuiltInDefaultGraphSetsTheStandardRenditions() {
        let graph = GraphFile.builtInDefault
        #expect(graph.renditions.audio.map(\.name) == ["aac-128k"])
        #expect(graph.renditions.video.map(\.name) == ["h264-720p", "thumbnail"])
        #expect(graph.downloadWorkers == 8)
    }

    @Test func profilesDefinedInTheFileCanBeRenditions() throws {
        let graph = try GraphFile.parse(
            """
            graph: default
            profiles:
              mp3-low: {base: mp3-192k, audio_bitrate: 64000, sample_rate: 22050}
              h264-small: {base: h264-720p, max_width: 320, crf: 30}
            renditions:
              audio: [mp3-low]
              video: [h264-small, aac-128k]
            """, file: "g.yaml")
        #expect(graph.renditions.audio.first?.audioBitrate == 64_000)
        #expect(graph.renditions.audio.first?.sampleRate == 22_050)
        #expect(graph.renditions.audio.first?.audioCodec == "libmp3lame")
        #expect(graph.renditions.video.map(\.name) == ["h264-small", "aac-128k"])
        #expect(graph.renditions.video.first?.maxWidth == 320)
    }

    /// Renditions a file leaves out are the built-in default graph's; download settings it
    /// leaves out are not the file's at all (the config file or the built-in defaults give them).
    @Test func keysAFileLeavesOutComeFromTheLayersBelow() throws {
        let graph = try GraphFile.parse("graph: default\ndownload: {workers: 3}\n", file: "g.yaml")
        #expect(graph.downloadWorkers == 3)
        #expect(graph.stallTimeout == nil && GraphFile.builtInDefault.stallTimeout == 30)
        #expect(graph.renditions == GraphFile.builtInDefault.renditions)
    }

    @Test func renditionsCanBeTurnedOff() throws {
        #expect(try GraphFile.parse("graph: default\nrenditions: none\n", file: "g.yaml").renditions.isEmpty)
        #expect(try GraphFile.parse("renditions: {audio: [], video: []}\n", file: "g.yaml").renditions.isEmpty)
    }

    @Test(arguments: [
        ("graph: default\ndownload:\n  workerz: 3\n", "g.yaml:3: unknown key 'workerz' in download"),
        ("renditions:\n  audio: [aac-128k]\n  video: [h265]\n", "g.yaml:3: unknown profile 'h265' in renditions.video"),
        ("renditions:\n  audio: [thumbnail]\n", "g.yaml:2: profile 'thumbnail' makes image, it cannot be an audio rendition"),
        ("profiles:\n  x: {crf: 20}\n", "g.yaml:2: profile 'x' needs a base profile"),
        ("download: {workers: 0}\n", "g.yaml:1: download.workers must be a whole number from 1"),
        ("profiles:\n  big: {base: h264-720p, max_width: 99999999999}\n", "g.yaml:2: max_width must be a whole number from 1"),
        ("graph: other\n", "g.yaml:1: unknown graph 'other'"),
        ("stages: [download, probe, scan]\n", "g.yaml:1: unknown stage 'scan'"),
        ("stages:\n  - probe\n  - download\n", "g.yaml:3: stage 'download' must come before 'probe'"),
        ("stages: [download, download]\n", "g.yaml:1: stage 'download' is listed twice"),
        ("stages:\n  - download\n  - store\n", "g.yaml:2: the stages need 'probe'"),
        ("stages: [download, probe, transcode]\n", "g.yaml:1: without 'store' the originals are not kept"),
        ("stages: [download, probe, store, upload]\n", "g.yaml:1: stage 'upload' needs the backend"),
        ("stages:\n  - download\n  - probe: {deep: true}\n  - store\n", "g.yaml:3: stage 'probe' takes no options"),
        ("stages:\n  - download: {workerz: 2}\n", "g.yaml:2: unknown key 'workerz' in download"),
        ("stages:\n  - download: {}\n  - probe\n  - store\n  - transcode: {video: [h265]}\n", "g.yaml:5: unknown profile 'h265'"),
        ("stages: [download, probe, store]\ndownload:\n  workers: 2\n", "g.yaml:2: 'download' goes in the stages list"),
        ("stages:\n  - download\n  - probe\n  - transcode: none\n  - upload: {backend: b}\n", "g.yaml:2: without 'store' only renditions are kept"),
        ("stages:\n  - collect: {inputs: []}\n  - download\n", "g.yaml:2: collect.inputs must name at least one input"),
        ("renditions: [\n", "g.yaml:2: not valid YAML"),
    ])
    func errorsNameTheFileTheLineAndTheProblem(text: String, expected: String) {
        #expect {
            try GraphFile.parse(text, file: "g.yaml")
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    /// The default graph is the six stages; `upload:` adds the seventh.
    @Test func aGraphWithoutAStagesListIsTheDefaultGraph() throws {
        #expect(GraphFile.builtInDefault.stages == [.collect, .download, .probe, .store, .process, .transcode])
        #expect(GraphFile.builtInDefault.keepsOriginals)
        let uploading = try GraphFile.parse("upload: {backend: b}\n", file: "g.yaml")
        #expect(uploading.stages.last == .upload && uploading.uploadBackend == "b")
    }

    /// The bundled bucket-to-bucket graph: no store, its inputs, renditions and backend from its stages.
    @Test func theBundledS3TranscodeGraphListsItsStages() throws {
        let graph = try GraphFile.load(Fixtures.packageRoot.appendingPathComponent("graphs/s3-transcode.yaml").path)
        #expect(graph.name == "s3-transcode")
        #expect(graph.stages == [.collect, .download, .probe, .transcode, .upload])
        #expect(!graph.keepsOriginals)
        #expect(graph.inputs == ["s3://media-in/"])
        #expect(graph.uploadBackend == "media-out")
        #expect(graph.downloadWorkers == 8 && graph.maxSize == 16 << 30 && graph.connectTimeout == nil)
        #expect(graph.renditions == GraphFile.builtInDefault.renditions)
    }

    @Test func aStagesListWithoutTranscodeMakesNoRenditions() throws {
        let graph = try GraphFile.parse("graph: keep\nstages:\n  - collect: {inputs: a.m3u}\n  - download\n  - probe\n  - store\n", file: "g.yaml")
        #expect(graph.renditions.isEmpty && graph.inputs == ["a.m3u"] && graph.keepsOriginals && graph.name == "keep")
    }
}
