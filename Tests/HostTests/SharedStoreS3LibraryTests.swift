import Foundation
import Testing
import TestSupport

extension SharedStoreTests {
    /// An S3 library (`--library-backend`, moto): three workers with no shared folder (each its
    /// own data dir and library dir) run a 300-item ingest with renditions, three of its
    /// contents large enough to go up in parts; ten SIGKILLs of random workers while they hold
    /// items, each restarted. Every content ends as one object in the bucket, with one asset and
    /// one active location on the backend, and each of its renditions beside it; no multipart
    /// upload is left unfinished; nothing was written to any worker's library folder.
    @Test(.tags(.slow)) func workersWithAnS3LibraryKilledAtRandomMomentsStoreEachContentOnce() async throws {
        let moto = MotoServer.shared
        let bucket = try moto.makeBucket("library")
        let cluster = try Cluster(count: 300, distinct: 30, delay: 100, large: 3)
        let environment = PostgresCluster.shared.environment.merging(moto.environment(prefix: "LIB")) { $1 }
        func flags(_ n: Int) -> [String] {
            ["--data-dir", cluster.root.file("machine-\(n)").path, "--profile", cluster.profile, "--store", cluster.postgres.url,
             "--library-backend", "lib"]
        }
        let added = try await Command.engineAsync(
            ["backend", "add", "s3", "lib", "--bucket", bucket, "--endpoint", moto.endpoint, "--credential-env-prefix", "LIB"] + flags(0),
            environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        let submit = try await Command.engineAsync(
            ["jobs", "submit", "ingest", "--input", cluster.playlist] + flags(0),
            environment: environment.merging(["ENGINE_DOWNLOAD_WORKERS": "2", "ENGINE_S3_MULTIPART_THRESHOLD": "5M", "ENGINE_S3_PART_SIZE": "5M"]) { $1 })
        #expect(submit.status == 0, "\(submit.stderr)")
        func start(_ n: Int) throws -> EngineProcess { try EngineProcess(["worker"] + flags(n), environment: environment) }
        var workers = try (0..<3).map(start)
        let kills = try await cluster.killTrials(10, workers: &workers, start: start)
        try await cluster.waitForCompletion(timeout: .seconds(300))
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { _ = try await worker.wait(timeout: .seconds(30)) }
        let context = "after kills \(kills.map { "worker \($0.worker) at \($0.at) ms" }): \(workers.map(\.errors))"

        #expect(try cluster.sql("SELECT status FROM job_runs WHERE id = 1") == "completed", "\(context)")
        #expect(try cluster.sql("SELECT count(*) FROM job_items WHERE status NOT IN ('succeeded', 'skipped')") == "0", "\(context)")
        #expect(try cluster.sql("SELECT count(*) FROM items") == "\(cluster.items)", "\(context)")
        // One original and one rendition (aac-128k) per content, each with exactly one active
        // location, on the S3 library.
        #expect(try cluster.sql("SELECT count(*) FROM file_assets WHERE kind = 'original'") == "\(cluster.contents)", "\(context)")
        #expect(try cluster.sql("SELECT count(*) FROM file_assets WHERE kind = 'rendition'") == "\(cluster.contents)", "\(context)")
        #expect(
            try cluster.sql(
                """
                SELECT count(*) FROM file_assets a WHERE (SELECT count(*) FROM file_locations l JOIN storage_backends b ON b.id = l.backend_id
                    WHERE l.asset_id = a.id AND l.state = 'active' AND b.name = 'lib') != 1
                """) == "0", "\(context): an asset without exactly one location on the library backend")
        #expect(try cluster.sql("SELECT count(*) FROM upload_tasks WHERE state <> 'done'") == "0", "\(context)")
        // The bucket holds exactly the recorded objects, and no unfinished multipart upload.
        let recorded = Set(try cluster.sql("SELECT locator FROM file_locations WHERE state = 'active'").split(separator: "\n").map(String.init))
        let listed = try moto.boto3(
            """
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[1]):
                for o in page.get("Contents", []): print(o["Key"])
            """, [bucket])
        #expect(Set(listed.split(separator: "\n").map(String.init)) == recorded, "\(context)")
        let open = try moto.boto3("print(len(s3.list_multipart_uploads(Bucket=sys.argv[1]).get('Uploads', [])))", [bucket])
        #expect(open.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(context): unfinished multipart uploads")
        #expect(try moto.requests().contains { $0.contains("/\(bucket)/") && $0.contains("?uploads") }, "the large contents went up in parts")
        // The large originals' objects hold their recorded bytes.
        let large = try cluster.sql(
            "SELECT a.sha256 || ' ' || l.locator FROM file_assets a JOIN file_locations l ON l.asset_id = a.id WHERE a.kind = 'original' AND a.size > 5242880")
        #expect(large.split(separator: "\n").count == 3, "\(context)")
        for line in large.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            let copy = cluster.root.file("check").path
            try moto.download(bucket: bucket, key: parts[1], to: copy)
            #expect(try Command.run("sha256sum", [copy]).stdout.hasPrefix(parts[0]), "\(parts[1])")
        }
        // No worker kept a library folder: the library is the bucket.
        for n in 0..<3 {
            let library = cluster.root.file("machine-\(n)/profiles/\(cluster.profile)/library").path
            let files = (try? FileManager.default.subpathsOfDirectory(atPath: library)) ?? []
            #expect(files.isEmpty, "machine \(n) wrote \(files.prefix(3)) into its library folder")
        }
        let rescued = Int(try cluster.sql("SELECT count(*) FROM job_items WHERE attempts > 1")) ?? 0
        #expect(rescued > 0, "\(context): no item was ever taken from a killed worker")
    }
}
