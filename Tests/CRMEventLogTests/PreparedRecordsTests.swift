import CRMTestSupport
import Foundation
import Testing

@testable import CRMEventLog

/// The LMDB writer builds each record from the caller's ``PreparedRecords`` and ``RecordCodec/complete``; the
/// in-memory log and the chain verifier use ``RecordCodec/encodeRecord``. Both must give the same bytes.
@Suite struct PreparedRecordsTests {
    private func randomEvent(_ rng: inout SplitMix64, _ n: Int) -> NewEvent {
        func maybeID() -> UUID? {
            rng.next() % 2 == 0
                ? nil
                : UUID(
                    uuid: withUnsafeBytes(of: (rng.next(), rng.next())) { raw in
                        (
                            raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                            raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]
                        )
                    }
                )
        }
        let types = ["LeadCaptured", "OpportunityStageAdvanced", "Ä", "MemberPointsRedeemedWithAVeryLongTypeName"]
        return NewEvent(
            id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", n))!,
            type: types[Int(rng.next() % 4)],
            schemaVersion: UInt16(truncatingIfNeeded: rng.next()),
            data: (0..<Int(rng.next() % 700)).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
            metadata: EventMetadata(
                effectiveAt: rng.next() % 2 == 0 ? nil : Int64(bitPattern: rng.next() >> 2),
                actor: rng.next() % 3 == 0 ? "" : "user:\(rng.next() % 1000)",
                tenant: rng.next() % 3 == 0 ? "" : "tenant-é\(rng.next() % 10)",
                correlationId: maybeID(),
                causationId: maybeID()
            )
        )
    }

    @Test func completedRecordsAreByteForByteTheEncodersRecords() {
        var rng = SplitMix64(seed: 0x5EED)
        var n = 0
        for round in 0..<50 {
            let batch = (0..<Int(1 + rng.next() % 6)).map { k in
                StreamAppend(
                    stream: "stream-\(round)-\(k)-ü",
                    expected: .any,
                    events: (0..<Int(rng.next() % 5)).map { _ in
                        n += 1
                        return randomEvent(&rng, n)
                    }
                )
            }
            var prepared = PreparedRecords(batch)
            #expect(prepared.count == batch.reduce(0) { $0 + $1.events.count })
            #expect(prepared.offsets.count == prepared.count + 1)
            #expect(prepared.offsets.last == prepared.bytes.count)
            var prev = ChainHash([UInt8](repeating: UInt8(round), count: 32))!
            let recordedAt: EpochMillis = 1_767_225_600_000 + Int64(round)
            var i = 0
            for entry in batch {
                for (v, e) in entry.events.enumerated() {
                    let position = UInt64(1000 * round + i + 1)
                    var expected: [UInt8] = []
                    let hash = RecordCodec.encodeRecord(
                        position: position,
                        streamVersion: UInt64(v + 3),
                        stream: entry.stream,
                        event: e,
                        recordedAt: recordedAt,
                        prevHash: prev,
                        into: &expected
                    )
                    #expect(prepared.ids[i] == e.id)
                    #expect(prepared.effectiveFromRecordedAt[i] == (e.metadata.effectiveAt == nil))
                    let range = prepared.offsets[i]..<prepared.offsets[i + 1]
                    prepared.bytes.withUnsafeMutableBytes { raw in
                        prev.withUnsafeBytes { p in
                            RecordCodec.complete(
                                UnsafeMutableRawBufferPointer(rebasing: raw[range]),
                                position: position,
                                streamVersion: UInt64(v + 3),
                                recordedAt: recordedAt,
                                effectiveFromRecordedAt: prepared.effectiveFromRecordedAt[i],
                                prevHash: p
                            )
                        }
                    }
                    #expect(Array(prepared.bytes[range]) == expected)
                    prev = hash
                    i += 1
                }
            }
        }
    }

    @Test func validationHandsBackHashesIdsAndEntryBoundaries() throws {
        let batch = [
            StreamAppend(stream: "customer-a", expected: .any, events: [event(1), event(2)]),
            StreamAppend(stream: "customer-b", expected: .any, events: []),
            StreamAppend(stream: "customer-c", expected: .any, events: [event(3)]),
        ]
        let v = try AppendPlanner.validate(batch, maxEventSize: 1 << 20)
        #expect(v.streamHashes == batch.map { FastHash.string($0.stream) })
        #expect(v.ids == [uuid(1), uuid(2), uuid(3)])
        #expect(v.entryStarts == [0, 2, 2, 3])
    }

    @Test func duplicatesAreFoundAmongManyStreamsAndIds() {
        // Enough entries that the dedup tables probe past collisions.
        let many = (0..<5000).map { StreamAppend(stream: "s-\($0)", expected: .any, events: [event($0 + 1)]) }
        #expect(throws: Never.self) { try AppendPlanner.validate(many, maxEventSize: 1 << 20) }
        var dupStream = many
        dupStream.append(StreamAppend(stream: "s-4321", expected: .any, events: [event(9999)]))
        #expect(throws: EventLogError(code: .invalidArgument, message: "")) {
            try AppendPlanner.validate(dupStream, maxEventSize: 1 << 20)
        }
        var dupId = many
        dupId.append(StreamAppend(stream: "other", expected: .any, events: [event(1234)]))
        #expect(throws: EventLogError(code: .invalidArgument, message: "")) {
            try AppendPlanner.validate(dupId, maxEventSize: 1 << 20)
        }
    }
}
