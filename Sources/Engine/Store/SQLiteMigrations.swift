import GRDB

/// Named, transactional migrations, recorded in `grdb_migrations` and run on open.
/// Never edit a shipped migration: add a new one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-catalog-storage-processing", migrate: v1)
        migrator.registerMigration("v2-renditions", migrate: v2)
        return migrator
    }

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
}
