import GRDB

extension SQLiteMigrations {
    /// Processor results per asset, with the key each was made from; file assets of kinds
    /// `peaks` and `poster` (made from an original, one per original and name), and the key
    /// every made file records (`made_from`: what `reprocess` compares).
    ///
    /// A probe's result stays the item's (it is taken before the original is an asset); the
    /// processors' results are the asset's (items with the same content share them). SQLite
    /// cannot widen a CHECK: both tables are rebuilt (foreign keys are off while GRDB migrates).
    static func v11(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE file_assets_v11 (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('original', 'rendition', 'peaks', 'poster')),
                    parent_asset_id INTEGER REFERENCES file_assets(id),
                    profile TEXT,
                    format TEXT,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    warnings TEXT,
                    made_from TEXT
                );
                INSERT INTO file_assets_v11 (id, kind, parent_asset_id, profile, format, size, sha256, created_at, warnings)
                    SELECT id, kind, parent_asset_id, profile, format, size, sha256, created_at, warnings FROM file_assets;
                DROP TABLE file_assets;
                ALTER TABLE file_assets_v11 RENAME TO file_assets;
                CREATE UNIQUE INDEX file_assets_original_content ON file_assets (sha256) WHERE kind = 'original';
                CREATE UNIQUE INDEX file_assets_rendition_profile ON file_assets (parent_asset_id, profile) WHERE kind = 'rendition';
                CREATE UNIQUE INDEX file_assets_derived_name ON file_assets (parent_asset_id, kind, profile)
                    WHERE kind IN ('peaks', 'poster');

                CREATE TABLE processor_results_v11 (
                    id INTEGER PRIMARY KEY,
                    item_id INTEGER REFERENCES items(id) ON DELETE CASCADE,
                    asset_id INTEGER REFERENCES file_assets(id) ON DELETE CASCADE,
                    processor TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    settings_hash TEXT NOT NULL DEFAULT '',
                    input_sha256 TEXT,
                    tools TEXT NOT NULL DEFAULT '',
                    result TEXT NOT NULL,
                    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    CHECK ((item_id IS NULL) <> (asset_id IS NULL))
                );
                INSERT INTO processor_results_v11 (item_id, processor, version, result, created_at)
                    SELECT item_id, processor, version, result, created_at FROM processor_results ORDER BY item_id, processor;
                DROP TABLE processor_results;
                ALTER TABLE processor_results_v11 RENAME TO processor_results;
                CREATE UNIQUE INDEX processor_results_item ON processor_results (item_id, processor) WHERE item_id IS NOT NULL;
                CREATE UNIQUE INDEX processor_results_asset ON processor_results (asset_id, processor) WHERE asset_id IS NOT NULL;
                """)
    }
}
