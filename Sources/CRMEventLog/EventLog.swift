/// The event log contract (design §2): gap-free global positions in commit order, gap-free stream versions,
/// optimistic concurrency, idempotent appends by event id, a SHA-256 hash chain, streaming reads and
/// catch-up-then-live subscriptions.
///
/// Two implementations pass the same conformance suite: ``InMemoryEventLog`` (tests, domain and projection work)
/// and `LMDBEventLog` (durable, in `CRMStorageLMDB`).
///
/// ```swift
/// let result = try await log.append([event], to: "customer-7f3a", expected: .noStream)
/// for try await e in log.read(.stream("customer-7f3a")) { print(e.position, e.type) }
/// ```
public protocol EventLog: Sendable {
    /// Appends `events` to one stream, all or nothing.
    ///
    /// - Throws: ``EventLogError`` with ``EventLogError/Code/wrongExpectedVersion`` when the stream is not where
    ///   `expected` says, ``EventLogError/Code/duplicateEventId`` when an id is stored with another body,
    ///   ``EventLogError/Code/emptyAppend``, ``EventLogError/Code/eventTooLarge``,
    ///   ``EventLogError/Code/invalidStreamName``, ``EventLogError/Code/closed``.
    func append(_ events: [NewEvent], to stream: String, expected: ExpectedVersion) async throws(EventLogError)
        -> AppendResult

    /// Appends to several streams in one atomic step (a merge, a transfer). Every entry's expectation is
    /// checked; an entry without events is a pure version check. Returns one result per entry, in order.
    func append(_ batch: [StreamAppend]) async throws(EventLogError) -> [AppendResult]

    /// Appends an ``AppendBatch`` in one atomic step: its events get consecutive positions in the order they were
    /// added, streams interleaved; every stream's expectation is checked. The bulk path: the caller built and
    /// encoded the events as it added them.
    ///
    /// - Throws: as ``append(_:)-(_:[StreamAppend])``; ``EventLogError/Code/emptyAppend`` for a batch without events.
    func append(_ batch: AppendBatch) async throws(EventLogError) -> BatchAppendResult

    /// Events matching `query`, fetched page by page (the log is never loaded whole).
    func read(_ query: ReadQuery) -> EventSequence

    /// Events from `position` on (inclusive) matching `filter`: the stored ones first, then new ones as they are
    /// committed, with no gap and no duplicate across the switch. Ends only when the task is cancelled or the
    /// log closes.
    func subscribe(from position: UInt64, filter: ReadFilter) -> EventSubscription

    /// Returns once the log's head is at or past `position` (read-your-writes for catch-up consumers).
    func waitFor(position: UInt64) async throws(EventLogError)

    /// Last position and its hash.
    func head() throws(EventLogError) -> LogHead

    /// The stream's last version, `nil` when it does not exist.
    func streamVersion(_ stream: String) throws(EventLogError) -> UInt64?

    /// The event at `position`, `nil` past the head.
    func event(at position: UInt64) throws(EventLogError) -> RecordedEvent?

    /// Walks the hash chain from `position` 1 to the head and names the first position where it breaks.
    func verifyChain() async throws(EventLogError) -> ChainVerification

    /// Replays stored records in position order without copying them: each record from `position` through
    /// `last` that matches `filter` is handed to `body` as a borrowed ``RecordView``, valid only during that
    /// call. `body` returns `false` to stop. This is the fast path for projection rebuilds and audits; use
    /// ``read(_:)`` for owned events, backward reads and stream reads through the index.
    ///
    /// - Parameters:
    ///   - position: The first position to look at (inclusive; `0` and `1` both mean the start).
    ///   - last: The last position to look at (inclusive). `nil` means the head when the scan starts, so a scan
    ///     ends even while appends continue; events appended after that are not visited.
    ///   - filter: Which records reach `body`. Records that do not match are skipped without being decoded. A
    ///     `.stream` filter is a filtered scan of the whole range here, not an index lookup.
    ///   - body: Called once per matching record, in position order, synchronously on the calling thread.
    /// - Returns: How many records were scanned and delivered and the last position read.
    /// - Throws: ``EventLogError`` with ``EventLogError/Code/corrupt`` naming the position of a record that is
    ///   truncated or malformed (records before it were delivered), ``EventLogError/Code/closed``,
    ///   ``EventLogError/Code/storage``; and whatever `body` throws, unchanged (the scan stops there).
    ///
    /// A durable implementation must not hold one storage snapshot for the whole scan (LMDB cannot reuse pages
    /// while a reader is open): it reads in chunks and continues after the last position of the previous one.
    /// Every position is still visited exactly once, because positions are never rewritten.
    @discardableResult
    func scan(
        from position: UInt64,
        through last: UInt64?,
        filter: ReadFilter,
        _ body: (RecordView) throws -> Bool
    ) throws -> ScanSummary

    /// Finishes pending appends, wakes waiters with ``EventLogError/Code/closed`` and releases resources.
    func close() async
}

extension EventLog {
    /// Subscribes to every event from `position`.
    public func subscribe(from position: UInt64 = 1) -> EventSubscription { subscribe(from: position, filter: .all) }

    /// Replays every stored record from `position` through the head as it is when the scan starts. See
    /// ``scan(from:through:filter:_:)``.
    ///
    /// ```swift
    /// var payloadBytes = 0
    /// try log.scan(from: 1) { view in
    ///     payloadBytes += view.data.count
    ///     return true
    /// }
    /// ```
    @discardableResult
    public func scan(from position: UInt64 = 1, _ body: (RecordView) throws -> Bool) throws -> ScanSummary {
        try scan(from: position, through: nil, filter: .all, body)
    }

    /// Collects a whole read into an array (for small reads and tests).
    public func readAll(_ query: ReadQuery) async throws(EventLogError) -> [RecordedEvent] {
        var out: [RecordedEvent] = []
        var it = read(query).makeAsyncIterator()
        while let e = try await it.next() { out.append(e) }
        return out
    }
}

/// One page of a read.
package struct EventPage: Sendable {
    package var events: [RecordedEvent]
    /// Where the next page starts (inclusive; a position, or a stream version for stream reads). For forward
    /// position reads it is one past the last position scanned, even when the page is the last.
    package var next: UInt64?
    /// No more events right now.
    package var exhausted: Bool

    package init(events: [RecordedEvent], next: UInt64?, exhausted: Bool) {
        self.events = events
        self.next = next
        self.exhausted = exhausted
    }
}

/// What ``EventSequence`` and ``EventSubscription`` read from.
package protocol EventPageSource: Sendable {
    func page(_ query: ReadQuery, from: UInt64?, max: Int) throws(EventLogError) -> EventPage
    func waitFor(position: UInt64) async throws(EventLogError)
    func headPosition() throws(EventLogError) -> UInt64
}

/// An `AsyncSequence` of ``RecordedEvent`` that fetches pages of events lazily, one short read transaction
/// each, so a read of any length runs in constant memory.
public struct EventSequence: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent
    public typealias Failure = EventLogError

    let source: any EventPageSource
    let query: ReadQuery
    let pageSize: Int

    package init(source: any EventPageSource, query: ReadQuery, pageSize: Int = 1024) {
        self.source = source
        self.query = query
        self.pageSize = pageSize
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source, query: query, pageSize: pageSize)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: any EventPageSource
        let query: ReadQuery
        let pageSize: Int
        /// The current page in reverse order: `popLast()` moves each event out without a retain/release pair.
        var buffer: [RecordedEvent] = []
        var cursor: UInt64?
        var done = false
        var remaining: Int

        init(source: any EventPageSource, query: ReadQuery, pageSize: Int) {
            self.source = source
            self.query = query
            self.pageSize = pageSize
            self.cursor = query.from
            self.remaining = query.limit ?? Int.max
        }

        public mutating func next() async throws(EventLogError) -> RecordedEvent? {
            try nextSync()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(EventLogError) -> RecordedEvent?
        {
            try nextSync()
        }

        mutating func nextSync() throws(EventLogError) -> RecordedEvent? {
            while true {
                if remaining <= 0 { return nil }
                if let e = buffer.popLast() {
                    remaining -= 1
                    return e
                }
                if done { return nil }
                if Task.isCancelled { throw .cancelled() }
                var page = try source.page(query, from: cursor, max: Swift.min(pageSize, remaining))
                swap(&buffer, &page.events)  // `buffer` is now the page's only owner: reversing it does not copy
                buffer.reverse()
                cursor = page.next
                if page.exhausted || page.next == nil { done = true }
            }
        }
    }
}

/// Catch-up then live: an endless `AsyncSequence` of the events from a position on. See
/// ``EventLog/subscribe(from:filter:)``.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent
    public typealias Failure = EventLogError

    let source: any EventPageSource
    let from: UInt64
    let filter: ReadFilter

    package init(source: any EventPageSource, from: UInt64, filter: ReadFilter) {
        self.source = source
        self.from = Swift.max(1, from)
        self.filter = filter
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source, cursor: from, filter: filter)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: any EventPageSource
        /// Next global position to look at.
        var cursor: UInt64
        let filter: ReadFilter
        var buffer: [RecordedEvent] = []
        var index = 0
        /// For stream filters: next stream version.
        var streamCursor: UInt64 = 0

        init(source: any EventPageSource, cursor: UInt64, filter: ReadFilter) {
            self.source = source
            self.cursor = cursor
            self.filter = filter
        }

        public mutating func next() async throws(EventLogError) -> RecordedEvent? {
            try await nextEvent()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(EventLogError) -> RecordedEvent?
        {
            try await nextEvent(isolation: actor)
        }

        mutating func nextEvent(isolation actor: isolated (any Actor)? = #isolation) async throws(EventLogError)
            -> RecordedEvent?
        {
            while true {
                if index < buffer.count {
                    let e = buffer[index]
                    index += 1
                    return e
                }
                if Task.isCancelled { return nil }
                if case .stream = filter {
                    // Stream versions are dense: read the stream from the next version and skip positions
                    // before the subscription's start.
                    let head = try source.headPosition()
                    let page = try source.page(ReadQuery(filter: filter), from: streamCursor, max: 512)
                    buffer = page.events.filter { $0.position >= cursor }
                    index = 0
                    if let last = page.events.last { streamCursor = last.streamVersion + 1 }
                    if let last = buffer.last { cursor = last.position + 1 }
                    if page.events.isEmpty {
                        do throws(EventLogError) {
                            try await source.waitFor(position: Swift.max(head, cursor - 1) + 1)
                        } catch {
                            if error.code == .cancelled || error.code == .closed { return nil }
                            throw error
                        }
                    }
                    continue
                }
                let page = try source.page(ReadQuery(filter: filter), from: cursor, max: 512)
                buffer = page.events
                index = 0
                if let next = page.next { cursor = next }
                if page.events.isEmpty && page.exhausted {
                    do throws(EventLogError) { try await source.waitFor(position: cursor) } catch {
                        if error.code == .cancelled || error.code == .closed { return nil }
                        throw error
                    }
                }
            }
        }
    }
}
