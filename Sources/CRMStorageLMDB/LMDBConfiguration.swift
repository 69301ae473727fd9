/// Settings of an ``LMDBEventLog``.
public struct LMDBConfiguration: Sendable, Hashable {
    /// Initial map size in bytes. The map grows by doubling when full; callers never see `MDB_MAP_FULL`.
    public var mapSize: Int
    /// Largest map size the log may grow to, in bytes.
    public var maxMapSize: Int
    /// Concurrent read transactions allowed (LMDB reader slots).
    public var maxReaders: Int
    /// Largest event payload, in bytes.
    public var maxEventSize: Int
    /// When true (the default), an append returns only after its commit is synced to disk.
    public var durable: Bool
    /// Recent stream-index and id-index entries are kept in memory and merged into LMDB, sorted, once this many
    /// events have been appended since the last merge, or four per stream they touch if that is more (at most
    /// four times this; see docs/adr/0002 and 0007). Appends wait for the merges beyond eight times this.
    public var indexMergeThreshold: Int
    /// Most events committed in one group commit.
    public var maxEventsPerCommit: Int
    /// Streams whose state stays in memory after their index entries are merged, so that appends to them need no
    /// index lookup. Beyond it, fully merged streams leave memory after a merge and are read back from the index
    /// when next used.
    public var residentStreams: Int

    public init(
        mapSize: Int = 256 << 20,
        maxMapSize: Int = 1 << 40,
        maxReaders: Int = 126,
        maxEventSize: Int = 1 << 20,
        durable: Bool = true,
        indexMergeThreshold: Int = 100_000,
        maxEventsPerCommit: Int = 20_000,
        residentStreams: Int = 1 << 20
    ) {
        self.mapSize = mapSize
        self.maxMapSize = maxMapSize
        self.maxReaders = maxReaders
        self.maxEventSize = maxEventSize
        self.durable = durable
        self.indexMergeThreshold = indexMergeThreshold
        self.maxEventsPerCommit = maxEventsPerCommit
        self.residentStreams = residentStreams
    }
}
