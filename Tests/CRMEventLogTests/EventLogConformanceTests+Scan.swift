import CRMEventLog
import CRMStorageLMDB
import Foundation
import Testing

/// The borrowing replay path (`scan`) and the chain verification built on it, against every implementation.
extension EventLogConformanceTests {
    @Test(arguments: LogKind.allCases)
    func scanDeliversExactlyWhatReadReturns(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            try await appendMixedHistory(log, count: 40)
            let all = try await log.readAll(.all())
            #expect(all.count == 40)

            // Whole log, materialized, equals the AsyncSequence read.
            let (everything, summary) = try collect(log, from: 1, through: nil, filter: .all)
            #expect(everything == all)
            #expect(summary == ScanSummary(scanned: 40, delivered: 40, lastPosition: 40, stoppedEarly: false))
            #expect(try log.scan(from: 0, through: nil, filter: .all) { _ in true }.delivered == 40)

            // From a position, through a bound.
            let (window, windowSummary) = try collect(log, from: 7, through: 23, filter: .all)
            #expect(window == Array(all[6..<23]))
            #expect(windowSummary.lastPosition == 23)
            #expect(try collect(log, from: 40, through: nil, filter: .all).events == [all[39]])
            #expect(try collect(log, from: 41, through: nil, filter: .all).events.isEmpty)
            #expect(try collect(log, from: 5, through: 4, filter: .all).events.isEmpty)
            #expect(try collect(log, from: 30, through: 1_000, filter: .all).events == Array(all[29...]))

            // Filters: the same events as the filtered reads, in position order.
            for filter: ReadFilter in [
                .category("lead"), .category("customer"), .category("lea"), .eventTypes(["CustomerArchived"]),
                .eventTypes(["CustomerArchived", "CustomerUpdated"]), .eventTypes([]), .stream("customer-1"),
                .stream("missing-1"),
            ] {
                let expected = try await log.readAll(ReadQuery(filter: filter)).sorted { $0.position < $1.position }
                let (got, s) = try collect(log, from: 1, through: nil, filter: filter)
                #expect(got == expected, "\(filter)")
                #expect(s.scanned == 40, "\(filter)")
                #expect(s.delivered == UInt64(expected.count), "\(filter)")
            }
            let (leadWindow, _) = try collect(log, from: 10, through: 20, filter: .category("lead"))
            #expect(leadWindow.map(\.position) == [12, 15, 18])
        }
    }

    @Test(arguments: LogKind.allCases)
    func recordViewAccessorsMatchTheMaterializedEvent(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            try await appendMixedHistory(log, count: 12)
            var checked = 0
            try log.scan(from: 1) { view in
                guard let e = try? view.materialize() else {
                    Issue.record("materialize failed at \(view.position)")
                    return false
                }
                #expect(view.position == e.position)
                #expect(view.streamVersion == e.streamVersion)
                #expect(view.id == e.id)
                #expect(view.schemaVersion == e.schemaVersion)
                #expect(view.recordedAt == e.recordedAt)
                #expect(view.effectiveAt == e.effectiveAt)
                #expect(view.correlationId == e.correlationId)
                #expect(view.causationId == e.causationId)
                #expect(view.stream == e.stream && Array(view.streamBytes) == Array(e.stream.utf8))
                #expect(view.type == e.type && Array(view.typeBytes) == Array(e.type.utf8))
                #expect(view.actor == e.actor && Array(view.actorBytes) == Array(e.actor.utf8))
                #expect(view.tenant == e.tenant && Array(view.tenantBytes) == Array(e.tenant.utf8))
                #expect(Array(view.categoryBytes) == Array(e.category.utf8))
                #expect(view.isStream(e.stream) && !view.isStream(e.stream + "x"))
                #expect(view.isType(e.type) && !view.isType("Other"))
                #expect(Array(view.data) == e.data)
                #expect(Array(view.prevHash) == e.prevHash.bytes)
                #expect(Array(view.hash) == e.hash.bytes)
                #expect(Array(view.canonicalBytes) == RecordCodec.canonicalBytes(of: e))
                #expect(Array(view.bytes.prefix(view.canonicalBytes.count)) == Array(view.canonicalBytes))
                // A view made from a copy of the bytes reads the same.
                let copy = Array(view.bytes)
                let again = try copy.withUnsafeBytes { try RecordView(validating: $0).materialize() }
                #expect(again == e)
                checked += 1
                return true
            }
            #expect(checked == 12)
        }
    }

    @Test(arguments: LogKind.allCases)
    func scanStopsWhenTheBodySaysSoOrThrows(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            try await appendMixedHistory(log, count: 20)
            var seen: [UInt64] = []
            let summary = try log.scan(from: 3, through: nil, filter: .all) { view in
                seen.append(view.position)
                return seen.count < 5
            }
            #expect(seen == [3, 4, 5, 6, 7])
            #expect(summary == ScanSummary(scanned: 5, delivered: 5, lastPosition: 7, stoppedEarly: true))

            struct Stop: Error, Equatable { let at: UInt64 }
            seen = []
            #expect(throws: Stop(at: 9)) {
                try log.scan(from: 1, through: nil, filter: .all) { view in
                    seen.append(view.position)
                    if view.position == 9 { throw Stop(at: 9) }
                    return true
                }
            }
            #expect(seen == Array(1...9))
            // The log is still usable afterwards.
            #expect(try log.scan(from: 1) { _ in true }.delivered == 20)
        }
    }

    @Test(arguments: LogKind.allCases)
    func scanOfAnEmptyOrClosedLog(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            let summary = try log.scan(from: 1) { _ in
                Issue.record("an empty log has no record")
                return true
            }
            #expect(summary == ScanSummary(scanned: 0, delivered: 0, lastPosition: 0, stoppedEarly: false))
            #expect(
                try await log.verifyChain()
                    == ChainVerification(
                        checked: 0,
                        firstBrokenPosition: nil,
                        problem: nil,
                        head: LogHead(position: 0, hash: .zero)
                    )
            )
            await log.close()
            #expect(throws: EventLogError.closed()) { try log.scan(from: 1) { _ in true } }
        }
    }

    @Test(arguments: LogKind.allCases)
    func aTruncatedOrMalformedRecordIsATypedCorruptErrorNamingItsPosition(kind: LogKind) async throws {
        let original = try await withLog(kind) { log, _ in
            try await appendMixedHistory(log, count: 10)
            return try storedBytes(log, at: 6)
        }
        let damaged: [(String, [UInt8])] = [
            ("truncated payload", Array(original.dropLast(40))),
            ("truncated hashes", Array(original.dropLast(1))),
            ("trailing bytes", original + [0]),
            ("only a header", Array(original.prefix(30))),
            ("empty", []),
            ("unknown format", [9] + original.dropFirst()),
            ("payload length too large", withDataLength(original, UInt32.max)),
            ("stream length past the end", withStreamLength(original, 0xFFFF)),
        ]
        for (what, bytes) in damaged {
            try await withLog(kind) { log, _ in
                try await appendMixedHistory(log, count: 10)
                try overwriteStoredRecord(log, at: 6, with: bytes)
                var seen: [UInt64] = []
                do {
                    try log.scan(from: 1) { view in
                        seen.append(view.position)
                        return true
                    }
                    Issue.record("\(what): expected a corrupt error")
                } catch let error as EventLogError {
                    #expect(error.code == .corrupt, "\(what): \(error)")
                    #expect(error.message.contains("position 6"), "\(what): \(error)")
                }
                #expect(seen == [1, 2, 3, 4, 5], "\(what)")
                // After the damaged record the log reads again.
                #expect(try log.scan(from: 7, through: nil, filter: .all) { _ in true }.delivered == 4, "\(what)")
                await expectLogError(.corrupt) { _ = try await log.verifyChain() }
            }
        }
    }

    @Test(arguments: LogKind.allCases)
    func verifyChainOverStoredBytesNamesTheFirstTamperedPosition(kind: LogKind) async throws {
        try await withLog(kind) { log, _ in
            try await appendMixedHistory(log, count: 15)
            let intact = try await log.verifyChain()
            #expect(intact.isIntact && intact.checked == 15)
            #expect(intact.head == (try log.head()))

            // Same length, one payload byte changed: the layout is fine, the hash is not.
            var bytes = try storedBytes(log, at: 9)
            let dataEnd = bytes.count - 64
            bytes[dataEnd - 2] ^= 0x01
            try overwriteStoredRecord(log, at: 9, with: bytes)
            #expect(try log.scan(from: 1) { _ in true }.delivered == 15)
            let v = try await log.verifyChain()
            #expect(v.firstBrokenPosition == 9)
            #expect(v.checked == 8)
            #expect(v.problem?.contains("stored hash") == true)

            // A broken link: position 12's prevHash no longer names position 11.
            var linked = try storedBytes(log, at: 12)
            linked[linked.count - 64] ^= 0xFF
            try overwriteStoredRecord(log, at: 12, with: linked)
            try overwriteStoredRecord(log, at: 9, with: try storedBytes(log, at: 9).fixingPayloadByte(dataEnd - 2))
            let v2 = try await log.verifyChain()
            #expect(v2.firstBrokenPosition == 12)
            #expect(v2.problem?.contains("prevHash") == true)
        }
    }

    /// The LMDB scan re-opens its read transaction every `chunkSize` records; the result must not depend on where
    /// the chunks fall.
    @Test(arguments: [1, 2, 3, 7, 25, 26, 1_000])
    func lmdbScanIsTheSameAcrossReadTransactionChunks(chunkSize: Int) async throws {
        try await withLog(.lmdb) { log, _ in
            let lmdb = try #require(log as? LMDBEventLog)
            try await appendMixedHistory(log, count: 25)
            let all = try await log.readAll(.all())
            func scan(_ from: UInt64, _ through: UInt64?, _ filter: ReadFilter, stopAfter: Int = .max) throws -> (
                [RecordedEvent], ScanSummary
            ) {
                var out: [RecordedEvent] = []
                let s = try lmdb.scan(from: from, through: through, filter: filter, chunkSize: chunkSize) { view in
                    out.append(try view.materialize())
                    return out.count < stopAfter
                }
                return (out, s)
            }
            let (everything, s) = try scan(1, nil, .all)
            #expect(everything == all)
            #expect(s == ScanSummary(scanned: 25, delivered: 25, lastPosition: 25, stoppedEarly: false))
            #expect(try scan(4, 17, .all).0 == Array(all[3..<17]))
            #expect(try scan(25, nil, .all).0 == [all[24]])
            let leads = try scan(2, 24, .category("lead"))
            #expect(leads.0.map(\.position) == [3, 6, 9, 12, 15, 18, 21, 24])
            #expect(leads.1.scanned == 23)
            // Stopping exactly at and around a chunk boundary.
            for stop in [chunkSize - 1, chunkSize, chunkSize + 1] where stop > 0 && stop <= 25 {
                let (part, ps) = try scan(1, nil, .all, stopAfter: stop)
                #expect(part == Array(all.prefix(stop)))
                #expect(ps.stoppedEarly)
                #expect(ps.lastPosition == UInt64(stop))
            }
            // Appends after a scan are seen by the next one, across chunks.
            _ = try await log.append([event(500)], to: "customer-9", expected: .any)
            #expect(try scan(20, nil, .all).0.map(\.position) == Array(20...26))
        }
    }
}

// MARK: - Helpers

/// 40-odd events over customer and lead streams, two types, with and without correlation and causation ids and
/// with a backdated effective time now and then.
private func appendMixedHistory(_ log: any EventLog, count: Int) async throws {
    for i in 1...count {
        let stream = i % 3 == 0 ? "lead-\(i % 2)" : "customer-\(i % 4)"
        var e = event(i, type: i % 5 == 0 ? "CustomerArchived" : "CustomerUpdated")
        if i % 2 == 0 { e.metadata.causationId = uuid(800_000 + i) }
        if i % 4 == 0 { e.metadata.correlationId = nil }
        if i % 7 == 0 { e.metadata.effectiveAt = 1_700_000_000_000 + Int64(i) }
        if i % 6 == 0 { e.metadata.actor = "" }
        _ = try await log.append([e], to: stream, expected: .any)
    }
}

/// Every matching record, materialized, and the scan's summary.
private func collect(
    _ log: any EventLog,
    from: UInt64,
    through: UInt64?,
    filter: ReadFilter
) throws -> (events: [RecordedEvent], summary: ScanSummary) {
    var out: [RecordedEvent] = []
    let summary = try log.scan(from: from, through: through, filter: filter) { view in
        out.append(try view.materialize())
        return true
    }
    return (out, summary)
}

/// A copy of the stored bytes of the record at `position`.
private func storedBytes(_ log: any EventLog, at position: UInt64) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try log.scan(from: position, through: position, filter: .all) { view in
        bytes = Array(view.bytes)
        return false
    }
    return bytes
}

private func overwriteStoredRecord(_ log: any EventLog, at position: UInt64, with bytes: [UInt8]) throws {
    switch log {
    case let memory as InMemoryEventLog: memory._overwriteStoredRecordForTesting(at: position, with: bytes)
    case let lmdb as LMDBEventLog: try lmdb._overwriteStoredRecordForTesting(at: position, with: bytes)
    default: Issue.record("no way to damage a \(type(of: log))")
    }
}

/// Offset of the stream name's length prefix in a stored record.
private func streamLengthOffset(_ record: [UInt8]) -> Int {
    let flags = record[51]
    return 52 + (flags & 1 != 0 ? 16 : 0) + (flags & 2 != 0 ? 16 : 0)
}

private func withStreamLength(_ record: [UInt8], _ length: UInt16) -> [UInt8] {
    var r = record
    let at = streamLengthOffset(r)
    r[at] = UInt8(truncatingIfNeeded: length)
    r[at + 1] = UInt8(truncatingIfNeeded: length >> 8)
    return r
}

private func withDataLength(_ record: [UInt8], _ length: UInt32) -> [UInt8] {
    var r = record
    var at = streamLengthOffset(r)
    for _ in 0..<4 { at += 2 + Int(r[at]) + Int(r[at + 1]) << 8 }
    for i in 0..<4 { r[at + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(i))) }
    return r
}

extension Array where Element == UInt8 {
    /// Undoes the one-bit flip of `verifyChainOverStoredBytesNamesTheFirstTamperedPosition`.
    fileprivate func fixingPayloadByte(_ at: Int) -> [UInt8] {
        var r = self
        r[at] ^= 0x01
        return r
    }
}
