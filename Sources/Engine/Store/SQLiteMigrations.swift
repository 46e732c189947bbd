import GRDB

/// Named, transactional migrations, recorded in `grdb_migrations` and run on open.
/// Never edit a shipped migration: add a new one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-catalog-storage-processing", migrate: v1)
        migrator.registerMigration("v2-renditions", migrate: v2)
        migrator.registerMigration("v3-jobs", migrate: v3)
        migrator.registerMigration("v4-content-claims", migrate: v4)
        migrator.registerMigration("v5-attempts", migrate: v5)
        migrator.registerMigration("v6-rendition-failures", migrate: v6)
        migrator.registerMigration("v7-uploads", migrate: v7)
        migrator.registerMigration("v8-console", migrate: v8)
        migrator.registerMigration("v9-feeds-catalogs", migrate: v9)
        migrator.registerMigration("v10-source-slots", migrate: v10)
        migrator.registerMigration("v11-processors", migrate: v11)
        migrator.registerMigration("v12-verify", migrate: v12)
        return migrator
    }

    /// The newest migration: the schema this program writes.
    static var current: String { migrator.migrations.last! }

    private static func v1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sources (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                CREATE TABLE collections (
                    id INTEGER PRIMARY KEY,
                    source_id INTEGER NOT NULL REFERENCES sources(id),
                    kind TEXT NOT NULL CHECK (kind IN ('playlist', 'feed', 'folder', 'prefix', 'list')),
                    locator TEXT NOT NULL,
                    title TEXT,
                    UNIQUE (source_id, locator)
                );
                CREATE TABLE items (
                    id INTEGER PRIMARY KEY,
                    source_id INTEGER NOT NULL REFERENCES sources(id),
                    remote_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    url TEXT NOT NULL,
                    duration REAL,
                    media_kind TEXT,
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'running', 'succeeded', 'failed', 'skipped', 'interrupted', 'canceled')),
                    last_error TEXT,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    UNIQUE (source_id, remote_id)
                );
                CREATE TABLE creators (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE
                );
                CREATE TABLE item_creators (
                    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    creator_id INTEGER NOT NULL REFERENCES creators(id),
                    position INTEGER NOT NULL,
                    PRIMARY KEY (item_id, position)
                );
                CREATE TABLE collection_items (
                    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
                    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    position INTEGER,
                    PRIMARY KEY (collection_id, item_id)
                );

                CREATE TABLE storage_backends (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL CHECK (kind IN ('local_fs', 'object_storage', 'cloud_drive')),
                    config TEXT NOT NULL DEFAULT '{}',
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                INSERT INTO storage_backends (name, kind) VALUES ('library', 'local_fs');
                CREATE TABLE file_assets (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('original', 'rendition')),
                    parent_asset_id INTEGER REFERENCES file_assets(id),
                    profile TEXT,
                    format TEXT,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
                );
                CREATE UNIQUE INDEX file_assets_original_content ON file_assets (sha256) WHERE kind = 'original';
                CREATE TABLE item_assets (
                    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    asset_id INTEGER NOT NULL REFERENCES file_assets(id),
                    PRIMARY KEY (item_id, asset_id)
                );
                CREATE TABLE file_locations (
                    id INTEGER PRIMARY KEY,
                    asset_id INTEGER NOT NULL REFERENCES file_assets(id),
                    backend_id INTEGER NOT NULL REFERENCES storage_backends(id),
                    locator TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'inactive')),
                    is_primary INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    UNIQUE (backend_id, locator)
                );
                CREATE INDEX file_locations_asset ON file_locations (asset_id);
                -- Presence is derived from the locations (the facts), never written directly.
                CREATE VIEW backend_presence AS
                    SELECT DISTINCT asset_id, backend_id FROM file_locations WHERE state = 'active';

                CREATE TABLE processor_results (
                    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                    processor TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    result TEXT NOT NULL,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    PRIMARY KEY (item_id, processor)
                );
                """)
    }

    /// One rendition per original and profile.
    private static func v2(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE UNIQUE INDEX file_assets_rendition_profile ON file_assets (parent_asset_id, profile)
                    WHERE kind = 'rendition';
                """)
    }

    /// The job tables (DESIGN, State: jobs): runs, their inputs and stages, items with leases,
    /// workers, commands and events; and one primary location per asset and backend.
    private static func v3(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE job_runs (
                    id INTEGER PRIMARY KEY,
                    type TEXT NOT NULL CHECK (type IN ('ingest', 'collect_only', 'download_only', 'reprocess')),
                    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'pause_requested',
                        'paused', 'completed', 'completed_with_errors', 'failed', 'canceled')),
                    scope TEXT NOT NULL DEFAULT '{}',
                    options TEXT NOT NULL DEFAULT '{}',
                    collected INTEGER NOT NULL DEFAULT 0,
                    collection_done INTEGER NOT NULL DEFAULT 0,
                    runner_id TEXT,
                    error TEXT,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX job_runs_status ON job_runs (status, id);
                CREATE TABLE job_inputs (
                    job_id INTEGER NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    input TEXT NOT NULL,
                    done INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (job_id, position)
                );
                CREATE TABLE job_stages (
                    job_id INTEGER NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    finished INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    skipped INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (job_id, name)
                );
                CREATE TABLE job_items (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                    item_key TEXT NOT NULL,
                    item_id INTEGER REFERENCES items(id),
                    title TEXT NOT NULL,
                    -- what the collector found, as the pipeline gets it back
                    source TEXT NOT NULL,
                    remote_id TEXT NOT NULL,
                    url TEXT NOT NULL,
                    title_is_file_name INTEGER NOT NULL DEFAULT 0,
                    creators TEXT NOT NULL DEFAULT '',
                    collection_kind TEXT,
                    collection_locator TEXT,
                    collection_title TEXT,
                    position INTEGER,
                    duration_hint REAL,
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'running', 'succeeded', 'failed', 'skipped', 'interrupted', 'canceled')),
                    current_step TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL,
                    last_error TEXT,
                    bytes INTEGER,
                    lease_holder TEXT,
                    lease_token TEXT,
                    lease_expires_at REAL,
                    started_at REAL,
                    finished_at REAL,
                    created_at REAL NOT NULL,
                    UNIQUE (job_id, item_key)
                );
                CREATE INDEX job_items_queue ON job_items (job_id, status, id);
                CREATE INDEX job_items_held ON job_items (lease_holder) WHERE status = 'running';
                CREATE TABLE job_workers (
                    id TEXT PRIMARY KEY,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    job_id INTEGER,
                    started_at REAL NOT NULL,
                    heartbeat_at REAL NOT NULL,
                    current_item TEXT,
                    bytes_per_second REAL,
                    stopped_at REAL
                );
                CREATE TABLE job_commands (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('pause', 'resume', 'cancel', 'retry_item', 'force_retry_item')),
                    argument TEXT,
                    created_at REAL NOT NULL,
                    consumed_at REAL,
                    consumed_by TEXT,
                    result TEXT
                );
                CREATE INDEX job_commands_open ON job_commands (job_id) WHERE consumed_at IS NULL;
                CREATE TABLE job_events (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                    at REAL NOT NULL,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL
                );
                CREATE INDEX job_events_job ON job_events (job_id, id);
                CREATE UNIQUE INDEX file_locations_one_primary ON file_locations (asset_id, backend_id) WHERE is_primary;
                """)
    }

    /// One row per content a backend holds or is being given (`CatalogStore.claimContent`):
    /// an original by its SHA-256, a rendition as `<original SHA-256>/<profile>`. `placing`
    /// names the job item attempt (id and lease token) that is writing it; `placed` once it is
    /// recorded. What earlier versions stored is `placed` from the start.
    private static func v4(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE content_claims (
                    backend_id INTEGER NOT NULL REFERENCES storage_backends(id),
                    content_key TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('placing', 'placed')),
                    holder_item_id INTEGER,
                    holder_token TEXT,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (backend_id, content_key)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO content_claims (backend_id, content_key, state, updated_at)
                    SELECT DISTINCT l.backend_id, a.sha256, 'placed', unixepoch()
                    FROM file_assets a JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active'
                    WHERE a.kind = 'original';
                INSERT OR IGNORE INTO content_claims (backend_id, content_key, state, updated_at)
                    SELECT DISTINCT l.backend_id, p.sha256 || '/' || a.profile, 'placed', unixepoch()
                    FROM file_assets a JOIN file_assets p ON p.id = a.parent_asset_id
                    JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active'
                    WHERE a.kind = 'rendition';
                """)
    }

    /// Transfers that survive the network: each item's error kind and its download's announced
    /// size (beside `bytes`, which a running item's runner keeps current), and one row per
    /// failed try (a retry or the final failure) with its error.
    private static func v5(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE job_items ADD COLUMN error_kind TEXT;
                ALTER TABLE job_items ADD COLUMN bytes_expected INTEGER;
                CREATE TABLE job_item_attempts (
                    id INTEGER PRIMARY KEY,
                    job_item_id INTEGER NOT NULL REFERENCES job_items(id) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    ended_at REAL NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('retry', 'failed')),
                    error TEXT NOT NULL,
                    error_kind TEXT,
                    -- a retry: when the next try may start
                    retry_at REAL
                );
                CREATE INDEX job_item_attempts_item ON job_item_attempts (job_item_id, id);
                """)
    }

    /// Renditions made with warnings (what a damaged input made the transcode tolerate) and
    /// renditions that failed: one row per original content and profile, with the profile's
    /// settings then (a changed profile tries again) and the job that recorded it. And the new
    /// items a job collected (`--limit` counts those).
    private static func v6(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE file_assets ADD COLUMN warnings TEXT;
                CREATE TABLE rendition_failures (
                    original_sha256 TEXT NOT NULL,
                    profile TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    error TEXT NOT NULL,
                    job_id INTEGER REFERENCES job_runs(id) ON DELETE SET NULL,
                    failed_at REAL NOT NULL,
                    PRIMARY KEY (original_sha256, profile)
                ) WITHOUT ROWID;
                ALTER TABLE job_runs ADD COLUMN collected_new INTEGER NOT NULL DEFAULT 0;
                """)
    }

    /// Uploads to object storage: one task per asset, backend and key (with a multipart
    /// upload's id and each finished part, so an upload cut by a crash goes on where it was),
    /// and the job types that upload. SQLite cannot widen a CHECK: `job_runs` is rebuilt
    /// (GRDB runs migrations with foreign keys off, and checks them before the commit).
    private static func v7(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE job_runs_v7 (
                    id INTEGER PRIMARY KEY,
                    type TEXT NOT NULL CHECK (type IN ('ingest', 'collect_only', 'download_only', 'reprocess', 'upload_only',
                        'download_upload')),
                    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'pause_requested',
                        'paused', 'completed', 'completed_with_errors', 'failed', 'canceled')),
                    scope TEXT NOT NULL DEFAULT '{}',
                    options TEXT NOT NULL DEFAULT '{}',
                    collected INTEGER NOT NULL DEFAULT 0,
                    collection_done INTEGER NOT NULL DEFAULT 0,
                    runner_id TEXT,
                    error TEXT,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    updated_at REAL NOT NULL,
                    collected_new INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO job_runs_v7 (id, type, status, scope, options, collected, collection_done, runner_id, error, created_at,
                        started_at, finished_at, updated_at, collected_new)
                    SELECT id, type, status, scope, options, collected, collection_done, runner_id, error, created_at,
                        started_at, finished_at, updated_at, collected_new FROM job_runs;
                DROP TABLE job_runs;
                ALTER TABLE job_runs_v7 RENAME TO job_runs;
                CREATE INDEX job_runs_status ON job_runs (status, id);

                CREATE TABLE upload_tasks (
                    id INTEGER PRIMARY KEY,
                    asset_id INTEGER NOT NULL REFERENCES file_assets(id) ON DELETE CASCADE,
                    backend_id INTEGER NOT NULL REFERENCES storage_backends(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'uploading', 'done', 'failed')),
                    size INTEGER NOT NULL,
                    -- a multipart upload's id and part size, once it is begun
                    upload_id TEXT,
                    part_size INTEGER,
                    etag TEXT,
                    error TEXT,
                    updated_at REAL NOT NULL,
                    UNIQUE (asset_id, backend_id, key)
                );
                CREATE INDEX upload_tasks_upload ON upload_tasks (backend_id, upload_id) WHERE upload_id IS NOT NULL;
                ALTER TABLE file_locations ADD COLUMN public_url TEXT;
                CREATE TABLE upload_parts (
                    task_id INTEGER NOT NULL REFERENCES upload_tasks(id) ON DELETE CASCADE,
                    part_number INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    PRIMARY KEY (task_id, part_number)
                ) WITHOUT ROWID;
                """)
    }

    /// The console: a wanted list of collections; failed items found fast across jobs (and
    /// those a later job's success superseded); items waiting for a retry counted from an index.
    private static func v8(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE collections ADD COLUMN wanted INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX job_items_failed ON job_items (finished_at) WHERE status = 'failed';
                CREATE INDEX job_items_item ON job_items (item_id);
                CREATE INDEX job_items_waiting ON job_items (job_id)
                    WHERE status IN ('pending', 'interrupted') AND next_attempt_at IS NOT NULL;
                """)
    }

    /// Feeds and paged catalogs: an item's publication date, episode and season (in the catalog
    /// and as a job carries it); each job input's paging checkpoint (where the next unfinished
    /// page starts), pages read, items found, and the error that stopped it; the resolver's scoring trace per job item and the
    /// sources that failed it.
    private static func v9(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE items ADD COLUMN published_at REAL;
                ALTER TABLE items ADD COLUMN episode INTEGER;
                ALTER TABLE items ADD COLUMN season INTEGER;
                ALTER TABLE job_items ADD COLUMN published_at REAL;
                ALTER TABLE job_items ADD COLUMN episode INTEGER;
                ALTER TABLE job_items ADD COLUMN season INTEGER;
                ALTER TABLE job_items ADD COLUMN resolve_trace TEXT;
                ALTER TABLE job_inputs ADD COLUMN checkpoint TEXT;
                ALTER TABLE job_inputs ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job_inputs ADD COLUMN found INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job_inputs ADD COLUMN error TEXT;
                CREATE INDEX job_inputs_open ON job_inputs (job_id, done, position);
                CREATE TABLE job_item_source_failures (
                    id INTEGER PRIMARY KEY,
                    job_item_id INTEGER NOT NULL REFERENCES job_items(id) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    url TEXT NOT NULL,
                    error TEXT NOT NULL
                );
                CREATE INDEX job_item_source_failures_item ON job_item_source_failures (job_item_id);
                """)
    }

    /// Per-source download caps (`resolve.sources[].max_concurrent`): a slot is a running
    /// attempt's, and frees itself once that attempt is no longer running under its token.
    private static func v10(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE source_slots (
                    source TEXT NOT NULL,
                    job_item_id INTEGER NOT NULL REFERENCES job_items(id) ON DELETE CASCADE,
                    lease_token TEXT NOT NULL,
                    taken_at REAL NOT NULL,
                    PRIMARY KEY (source, job_item_id)
                );
                """)
    }
}
