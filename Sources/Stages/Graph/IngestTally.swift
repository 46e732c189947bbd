/// Counts of an ingest run, as the summary and progress line show them.
package struct IngestTally: Sendable {
    public struct Problem: Sendable {
        /// The item's URL (or the input and line for a collection issue).
        public var subject: String
        public var title: String?
        /// The stage that failed (or `collect`).
        public var stage: String
        public var message: String

        /// One line: `[stage] subject: message`, without repeating the subject when the
        /// message already names it.
        public var line: String {
            message.contains(subject) ? "[\(stage)] \(message)" : "[\(stage)] \(subject): \(message)"
        }
    }

    public var collected = 0
    /// Items each stage holds right now.
    public var active: [String: Int] = [:]
    public var downloaded = 0
    public var downloadedBytes: Int64 = 0
    public var probed = 0
    /// Items that left the last stage with their file in the library.
    public var stored = 0
    /// Of `stored`, those whose content the library already had (no new file).
    public var reused = 0
    /// Items whose missing renditions were made (their original was stored already).
    public var renditionsOnly = 0
    /// Renditions the items that completed hold (made now or earlier).
    public var renditions = 0
    /// Items whose files went up to a storage backend, and the bytes.
    public var uploaded = 0
    public var uploadedBytes: Int64 = 0
    public var skipped = 0
    /// The first `keptProblems` failures, with their reasons (the job's store has them all).
    public var failed: [Problem] = []
    public var failedCount = 0
    /// Failures on a transient error that went back to the queue for another try.
    public var retried = 0
    public static let keptProblems = 1000
    /// Malformed playlist entries and unreadable inputs.
    public var issues: [Problem] = []
    public var canceled = 0
    /// Items a pause sent back to the job's queue before they began (the next run takes them).
    public var released = 0

    public init() {}

    /// True when every collected item succeeded or was skipped and every input was readable.
    public var isClean: Bool { failedCount == 0 && issues.isEmpty && canceled == 0 }
}
