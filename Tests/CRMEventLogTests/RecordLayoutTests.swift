import Crypto
import Foundation
import Testing

@testable import CRMEventLog

/// The stored record is a format: it must match the layout documented on ``RecordCodec`` byte for byte, built here
/// independently of the encoder.
@Suite struct RecordLayoutTests {
    private func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    private func uuid(_ u: UUID) -> [UInt8] { withUnsafeBytes(of: u.uuid) { Array($0) } }
    private func short(_ s: String) -> [UInt8] { le(UInt16(s.utf8.count)) + Array(s.utf8) }

    @Test(arguments: [false, true])
    func theRecordMatchesTheDocumentedLayout(withIds: Bool) throws {
        let correlation = UUID(uuidString: "11111111-2222-4333-8444-555555555555")!
        let causation = UUID(uuidString: "66666666-7777-4888-9999-aaaaaaaaaaaa")!
        let event = NewEvent(
            id: UUID(uuidString: "0f0e0d0c-0b0a-4908-8706-050403020100")!,
            type: "LeadCaptured",
            schemaVersion: 3,
            data: Array("payload bytes".utf8),
            metadata: EventMetadata(
                effectiveAt: withIds ? 1_700_000_000_000 : nil,
                actor: "user:ana",
                tenant: "acme",
                correlationId: withIds ? correlation : nil,
                causationId: withIds ? causation : nil
            )
        )
        let prev = [UInt8](repeating: 0xAB, count: 32)
        var expected: [UInt8] = [1] + le(UInt64(42)) + le(UInt64(7)) + le(UInt64(1_800_000_000_000))
        expected += le(UInt64(withIds ? 1_700_000_000_000 : 1_800_000_000_000)) + uuid(event.id) + le(UInt16(3))
        expected += [withIds ? 3 : 0] + (withIds ? uuid(correlation) + uuid(causation) : [])
        expected += short("lead-9") + short("LeadCaptured") + short("user:ana") + short("acme")
        expected += le(UInt32(13)) + Array("payload bytes".utf8)
        var h = SHA256()
        h.update(data: prev + expected)
        let hash = Array(h.finalize())
        expected += prev + hash

        var out: [UInt8] = [9, 9]  // encoding appends after what the buffer holds
        let returned = RecordCodec.encodeRecord(
            position: 42,
            streamVersion: 7,
            stream: "lead-9",
            event: event,
            recordedAt: 1_800_000_000_000,
            prevHash: ChainHash(prev)!,
            into: &out
        )
        #expect(Array(out.dropFirst(2)) == expected)
        #expect(returned.bytes == hash)
        #expect(RecordCodec.recordSize(stream: "lead-9", event: event) == expected.count)
        let decoded = try RecordCodec.decode(bytes: expected)
        #expect(decoded.hash.bytes == hash && decoded.prevHash.bytes == prev && decoded.data == event.data)
        #expect(RecordCodec.recomputeHash(decoded).bytes == hash)
    }
}
