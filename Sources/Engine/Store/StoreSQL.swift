/// SQL that both stores run as it is (SQLite and PostgreSQL read it alike): the columns of a
/// stored file and the catalog's collections with their status. One text, so the two stores
/// cannot drift apart.
package enum StoreSQL {
    /// The items that have the original of item `?` (its own id given as a number).
    package static let itemsSharingOriginal = """
        SELECT other.item_id FROM item_assets mine JOIN file_assets a ON a.id = mine.asset_id AND a.kind = 'original'
        JOIN item_assets other ON other.asset_id = a.id WHERE mine.item_id = ?
        """

    /// One processor's result (`?` 1) for each item of a collection (`?` 2), through the item's
    /// stored original; NULL for an item without one.
    package static let albumResults = """
        SELECT (SELECT pr.result FROM item_assets ia JOIN file_assets a ON a.id = ia.asset_id AND a.kind = 'original'
                JOIN processor_results pr ON pr.asset_id = a.id AND pr.processor = $1
                WHERE ia.item_id = ci.item_id LIMIT 1)
        FROM collection_items ci WHERE ci.collection_id = $2 ORDER BY ci.position, ci.item_id
        """

    /// Whether an original is linked to a claimed job item's catalog record (in the claim's
    /// `RETURNING`, for `MediaItem.catalogHasOriginal`).
    package static let claimedItemHasOriginal = """
        EXISTS (SELECT 1 FROM item_assets ia JOIN file_assets a ON a.id = ia.asset_id
            WHERE ia.item_id = job_items.item_id AND a.kind = 'original')
        """

    package static let storedFileColumns = """
        a.id AS asset_id, a.sha256, a.size, a.format, b.name AS backend, l.locator
        FROM file_assets a
        JOIN file_locations l ON l.asset_id = a.id AND l.state = 'active'
        JOIN storage_backends b ON b.id = l.backend_id
        """

    /// As `storedFileColumns`, one row per asset: the location a reader is given — the local
    /// library's (where the files are), else a primary one, else the oldest. An asset may have
    /// a primary location on several backends (the library, a bucket it was found in).
    package static let preferredFileColumns = """
        a.id AS asset_id, a.sha256, a.size, a.format, b.name AS backend, l.locator
        FROM file_assets a
        JOIN file_locations l ON l.id = (
            SELECT p.id FROM file_locations p JOIN storage_backends pb ON pb.id = p.backend_id
            WHERE p.asset_id = a.id AND p.state = 'active'
            ORDER BY pb.kind = 'local_fs' DESC, p.is_primary DESC, p.id LIMIT 1)
        JOIN storage_backends b ON b.id = l.backend_id
        """

    // Collections with their counts and status, each part computed once (MATERIALIZED: SQLite
    // would otherwise run the correlated counts again for every reference). `have`: items with
    // an active original on the library; `busy`: collections with items open in a download job
    // that is queued, running or paused.
    package static let collectionRows = """
        WITH have AS MATERIALIZED (
            SELECT DISTINCT ia.item_id FROM file_locations fl
            JOIN file_assets fa ON fa.id = fl.asset_id AND fa.kind = 'original'
            JOIN item_assets ia ON ia.asset_id = fa.id
            WHERE fl.state = 'active' AND fl.backend_id = (SELECT id FROM storage_backends WHERE name = 'library')
        ), busy AS MATERIALIZED (
            SELECT DISTINCT ji.source, ji.collection_locator FROM job_items ji JOIN job_runs j ON j.id = ji.job_id
            WHERE j.status IN ('queued', 'running', 'pause_requested', 'paused') AND j.type IN ('ingest', 'download_only', 'download_upload')
                AND ji.status IN ('pending', 'running', 'interrupted')
        ), counts AS MATERIALIZED (
            SELECT ci.collection_id, count(*) AS total, count(have.item_id) AS downloaded
            FROM collection_items ci LEFT JOIN have ON have.item_id = ci.item_id GROUP BY ci.collection_id
        ), rows AS MATERIALIZED (
            SELECT c.id, s.name AS source, c.kind, c.locator, c.title, c.wanted, coalesce(n.total, 0) AS total,
                coalesce(n.downloaded, 0) AS downloaded,
                CASE WHEN coalesce(n.total, 0) = 0 THEN 'not_collected' WHEN b.source IS NOT NULL THEN 'downloading'
                    WHEN n.downloaded = 0 THEN 'not_downloaded' WHEN n.downloaded < n.total THEN 'partial' ELSE 'downloaded' END AS status
            FROM collections c JOIN sources s ON s.id = c.source_id
            LEFT JOIN counts n ON n.collection_id = c.id
            LEFT JOIN busy b ON b.source = s.name AND b.collection_locator = c.locator
        )
        """
}
