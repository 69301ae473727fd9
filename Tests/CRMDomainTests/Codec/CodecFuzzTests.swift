import CRMDomain
import Testing

/// Truncated, random and mutated bytes: the decoder must answer with a typed error or a value whose encoding is
/// exactly the input (the format is canonical), never crash or read out of bounds.
@Suite struct CodecFuzzTests {
    let registry = EventCatalog.registry

    @Test func everyTruncationOfEveryEventIsATruncatedError() throws {
        var checked = 0
        for event in CodecTestSupport.organisationEvents {
            let bytes = try registry.encodeBinary(event)
            let version = try #require(registry.currentVersion(of: event.eventType))
            for length in 0..<bytes.count {
                let prefix = Array(bytes[..<length])
                let error = CodecTestSupport.codecError {
                    _ = try registry.decode(type: event.eventType, schemaVersion: version, binary: prefix)
                }
                #expect(
                    error?.isTruncated == true,
                    "\(event.eventType) cut at \(length) of \(bytes.count): \(String(describing: error))"
                )
                checked += 1
            }
        }
        #expect(checked > 1000)
    }

    @Test func randomBytesGiveATypedErrorOrACanonicalValue() throws {
        var generator = SeededGenerator(seed: 0xC0DEC)
        var decoded = 0
        var rejected = 0
        for type in registry.payloadTypes {
            for _ in 0..<150 {
                let count = Int.random(in: 0...120, using: &generator)
                // Small byte values make lengths, counts and presence bytes plausible more often than uniform bytes.
                let bytes = (0..<count).map { _ in
                    Bool.random(using: &generator)
                        ? UInt8.random(in: 0...3, using: &generator) : UInt8.random(in: 0...255, using: &generator)
                }
                if try checkCanonical(type, bytes) { decoded += 1 } else { rejected += 1 }
            }
        }
        #expect(rejected > 0)
        #expect(decoded + rejected == registry.payloadTypes.count * 150)
    }

    @Test func mutatedEncodingsGiveATypedErrorOrACanonicalValue() throws {
        var generator = SeededGenerator(seed: 42)
        var decoded = 0
        var rejected = 0
        for event in CodecTestSupport.organisationEvents {
            let valid = try registry.encodeBinary(event)
            for _ in 0..<200 {
                var bytes = valid
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0:
                        bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                            in: 0...255,
                            using: &generator
                        )
                    case 1:
                        bytes.insert(
                            UInt8.random(in: 0...255, using: &generator),
                            at: Int.random(in: 0...bytes.count, using: &generator)
                        )
                    default: if bytes.count > 1 { bytes.remove(at: Int.random(in: 0..<bytes.count, using: &generator)) }
                    }
                }
                if try checkCanonical(type(of: event), bytes) { decoded += 1 } else { rejected += 1 }
            }
        }
        #expect(decoded > 0, "some mutations (inside strings, ids, numbers) still decode")
        #expect(rejected > 0)
    }

    /// Decodes `bytes` as `type`: true when it decodes (and then re-encodes to the same bytes), false for a codec
    /// error. Any other outcome fails the test.
    private func checkCanonical(_ type: any DomainEvent.Type, _ bytes: [UInt8]) throws -> Bool {
        do throws(CodecError) {
            let value = try BinaryEventDecoder().decodeAny(type, from: bytes)
            let again = try BinaryEventEncoder().encodeAny(value)
            #expect(again == bytes, "\(type) accepted non-canonical bytes \(bytes)")
            return true
        } catch {
            return false
        }
    }
}

extension BinaryEventDecoder {
    /// Decodes a value of a type known only at run time.
    fileprivate func decodeAny(_ type: any DomainEvent.Type, from bytes: [UInt8]) throws(CodecError) -> any DomainEvent
    {
        try open(type, bytes)
    }

    private func open<E: DomainEvent>(_ type: E.Type, _ bytes: [UInt8]) throws(CodecError) -> any DomainEvent {
        try decode(E.self, from: bytes)
    }
}

extension BinaryEventEncoder {
    fileprivate func encodeAny(_ value: any DomainEvent) throws(CodecError) -> [UInt8] {
        try open(value)
    }

    private func open<E: DomainEvent>(_ value: E) throws(CodecError) -> [UInt8] {
        try encode(value)
    }
}
