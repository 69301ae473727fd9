public import Foundation

/// The events of one atomic append, encoded as they are added: the bulk form of ``EventLog/append(_:)-(AppendBatch)``.
///
/// A `[StreamAppend]` append takes each event as a ``NewEvent`` (an array for its payload, strings for its type and
/// metadata) and groups events by stream. An `AppendBatch` is built event by event, in any order of streams: each
/// event is checked when it is added (a bad one is a typed error and leaves the batch as it was) and encoded at
/// once into one buffer, its payload written in place by the caller. It suits importers and replays of history:
///
/// - events get consecutive positions **in the order they were added**, streams interleaved as in the source;
/// - each stream's events get consecutive versions in that order;
/// - ``expect(_:for:)`` sets a stream's expected version (default ``ExpectedVersion/any``), checked when the batch
///   commits, for the version before its first event in the batch;
/// - the whole batch commits or nothing does, and idempotency works as for any append: when every id is already
///   stored with the same body, the append writes nothing and returns the stored positions.
///
/// ```swift
/// var batch = AppendBatch()
/// try batch.expect(.noStream, for: "customer-42")
/// try batch.append(id: eventId, type: "CustomerCreated", to: "customer-42", payloadSize: json.count) {
///     $0.copyMemory(from: UnsafeRawBufferPointer(start: json, count: json.count))
/// }
/// let result = try await log.append(batch)
/// ```
public struct AppendBatch: Sendable {
    package private(set) var records: PreparedRecords
    /// The batch's streams, in order of first use.
    public private(set) var streamNames: [String] = []
    package private(set) var streamHashes: [UInt64] = []
    package private(set) var expectations: [ExpectedVersion] = []
    /// Per event: its stream's index in ``streamNames``.
    package private(set) var eventStreams: [Int32] = []
    /// The largest payload and the index of its event (checked against the log's limit when it commits).
    package private(set) var largestPayload: (size: Int, event: Int) = (0, 0)
    private var streamSlots = HashSlots()
    private var idSlots: HashSlots

    /// An empty batch with room for `minimumCapacity` events.
    public init(minimumCapacity: Int = 0) {
        records = PreparedRecords(minimumCapacity: minimumCapacity)
        eventStreams.reserveCapacity(minimumCapacity)
        idSlots = HashSlots(capacity: minimumCapacity)
    }

    /// Events in the batch.
    public var count: Int { records.count }
    public var isEmpty: Bool { records.count == 0 }
    /// The ids of the events, in order.
    public var ids: [UUID] { records.ids }

    /// Sets the version `stream` must be at when the batch commits (replacing an earlier expectation). A stream
    /// with an expectation but no events is a pure version check, as an empty ``StreamAppend`` is.
    public mutating func expect(_ expected: ExpectedVersion, for stream: String) throws(EventLogError) {
        let k = try streamIndex(stream)
        expectations[k] = expected
    }

    /// Adds `event` to `stream`.
    public mutating func append(_ event: NewEvent, to stream: String) throws(EventLogError) {
        try append(
            id: event.id,
            type: event.type,
            schemaVersion: event.schemaVersion,
            metadata: event.metadata,
            to: stream,
            payloadSize: event.data.count
        ) { out in event.data.withUnsafeBytes { out.copyMemory(from: $0) } }
    }

    /// Adds an event whose payload `writePayload` writes in place: it is handed exactly `payloadSize` bytes and
    /// must fill them all.
    ///
    /// - Throws: ``EventLogError`` ``EventLogError/Code/invalidStreamName``, ``EventLogError/Code/invalidEvent``
    ///   (empty or over-long type, over-long actor or tenant), ``EventLogError/Code/invalidArgument`` (an id already
    ///   in the batch). The batch is unchanged when it throws.
    public mutating func append(
        id: UUID,
        type: String,
        schemaVersion: UInt16 = 1,
        metadata: EventMetadata = EventMetadata(),
        to stream: String,
        payloadSize: Int,
        writePayload: (UnsafeMutableRawBufferPointer) -> Void
    ) throws(EventLogError) {
        precondition(payloadSize >= 0, "payloadSize must not be negative")
        try AppendPlanner.checkEvent(type: type, metadata: metadata, id: id, stream: stream)
        let idHash = FastHash.uuid(id)
        let ids = records.ids
        if idSlots.find(hash: idHash, where: { ids[$0] == id }) != nil {
            throw EventLogError(
                code: .invalidArgument,
                message: "event id \(id.uuidString.lowercased()) appears twice in one append",
                stream: stream
            )
        }
        let k = try streamIndex(stream)
        let n = records.count
        idSlots.insert(n, hash: idHash) { FastHash.uuid(ids[$0]) }
        records.append(
            stream: stream,
            id: id,
            type: type,
            schemaVersion: schemaVersion,
            metadata: metadata,
            payloadSize: payloadSize,
            writePayload: writePayload
        )
        eventStreams.append(Int32(truncatingIfNeeded: k))
        if payloadSize > largestPayload.size { largestPayload = (payloadSize, n) }
    }

    /// The index of `stream` in ``streamNames``, adding it (checked, expecting ``ExpectedVersion/any``) if new.
    private mutating func streamIndex(_ stream: String) throws(EventLogError) -> Int {
        let hash = FastHash.string(stream)
        let names = streamNames
        let hashes = streamHashes
        if let k = streamSlots.find(hash: hash, where: { hashes[$0] == hash && names[$0] == stream }) { return k }
        if let problem = StreamName.problem(with: stream) { throw .invalidStreamName(stream, problem) }
        let k = streamNames.count
        streamSlots.insert(k, hash: hash) { hashes[$0] }
        streamNames.append(stream)
        streamHashes.append(hash)
        expectations.append(.any)
        return k
    }

    /// The events of stream `k`, in order (for the in-memory log and tests).
    package func events(ofStream k: Int) -> [Int] { eventStreams.indices.filter { Int(eventStreams[$0]) == k } }
}

/// What an ``AppendBatch`` append returns.
public struct BatchAppendResult: Sendable, Hashable {
    /// Each event's position, in the batch's order: consecutive, unless this is an idempotent replay of events
    /// first appended in several appends.
    public var positions: [UInt64]
    /// Each stream's version after the append, in the order of ``AppendBatch/streamNames`` (`nil`: the stream
    /// has no events).
    public var streamVersions: [UInt64?]
    /// True when every event was already stored with the same body and nothing was written.
    public var idempotentReplay: Bool

    public init(positions: [UInt64], streamVersions: [UInt64?], idempotentReplay: Bool) {
        self.positions = positions
        self.streamVersions = streamVersions
        self.idempotentReplay = idempotentReplay
    }
}
