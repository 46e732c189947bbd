import GRDB

extension SQLiteMigrations {
    /// Bit rot: a location whose file no longer has its asset's SHA-256 is `corrupt` (beside
    /// `active` and `inactive`), and every location keeps when its bytes were last checked
    /// (`verified_at`, seconds since 1970) and what a failed check found (`problem`). SQLite
    /// cannot widen a CHECK: the table is rebuilt, with its indexes and the presence view.
    /// And post-stage hooks: one row per job and hook, claimed by the runner that runs it
    /// (`running`, then `done`), so that a hook runs once whoever follows the job; the row
    /// `due` marks a job whose hooks are to run. And content packages: the version of each
    /// package imported (`engine package import`), so that importing it again changes nothing.
    static func v12(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE file_locations_v12 (
                    id INTEGER PRIMARY KEY,
                    asset_id INTEGER NOT NULL REFERENCES file_assets(id),
                    backend_id INTEGER NOT NULL REFERENCES storage_backends(id),
                    locator TEXT NOT NULL,
                    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'inactive', 'corrupt')),
                    is_primary INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    public_url TEXT,
                    verified_at REAL,
                    problem TEXT,
                    UNIQUE (backend_id, locator)
                );
                INSERT INTO file_locations_v12 (id, asset_id, backend_id, locator, state, is_primary, created_at, public_url)
                    SELECT id, asset_id, backend_id, locator, state, is_primary, created_at, public_url FROM file_locations;
                DROP VIEW backend_presence;
                DROP TABLE file_locations;
                ALTER TABLE file_locations_v12 RENAME TO file_locations;
                CREATE INDEX file_locations_asset ON file_locations (asset_id);
                CREATE UNIQUE INDEX file_locations_one_primary ON file_locations (asset_id, backend_id) WHERE is_primary;
                CREATE VIEW backend_presence AS
                    SELECT DISTINCT asset_id, backend_id FROM file_locations WHERE state = 'active';

                CREATE TABLE job_hooks (
                    job_id INTEGER NOT NULL REFERENCES job_runs(id) ON DELETE CASCADE,
                    hook TEXT NOT NULL,
                    runner TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (job_id, hook)
                );

                CREATE TABLE package_imports (
                    package TEXT PRIMARY KEY,
                    version INTEGER NOT NULL,
                    item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
                    imported_at REAL NOT NULL
                );
                """)
    }
}
