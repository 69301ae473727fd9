import CRMEventLog
import Crypto
import Testing

@Suite struct ChainHashTests {
    private let sample: [UInt8] = (0..<32).map { UInt8($0 * 7 + 3) }

    @Test func holdsExactly32BytesInStoredOrder() throws {
        let h = try #require(ChainHash(sample))
        #expect(h.bytes == sample)
        #expect(h.withUnsafeBytes { Array($0) } == sample)
        #expect(sample.withUnsafeBytes { ChainHash(copying: $0) } == h)
        #expect(ChainHash([UInt8](repeating: 1, count: 31)) == nil)
        #expect(ChainHash([UInt8](repeating: 1, count: 33)) == nil)
        #expect(ChainHash([]) == nil)
        #expect(ChainHash.zero.bytes == [UInt8](repeating: 0, count: 32))
    }

    @Test func printsAndParsesAsLowercaseHex() throws {
        let h = try #require(ChainHash(sample))
        let hex = sample.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(h.hex == hex)
        #expect("\(h)" == hex)
        #expect(ChainHash(hex: hex) == h)
        #expect(ChainHash(hex: hex.uppercased()) == h)
        #expect(ChainHash(hex: String(hex.dropLast())) == nil)
        #expect(ChainHash(hex: String(hex.dropLast()) + "g") == nil)
        #expect(ChainHash(hex: "") == nil)
        #expect(ChainHash.zero.hex == String(repeating: "0", count: 64))
    }

    @Test func equalityAndHashingFollowEveryByte() throws {
        let h = try #require(ChainHash(sample))
        var seen: Set<ChainHash> = [h, .zero]
        for i in 0..<32 {
            var other = sample
            other[i] ^= 0x80
            let o = try #require(ChainHash(other))
            #expect(o != h)
            seen.insert(o)
        }
        #expect(seen.count == 34)
    }

    @Test func aRecordsHashIsTheSHA256OfPrevHashAndItsCanonicalBytes() throws {
        let prev = try #require(ChainHash(sample))
        let canonical = Array("canonical bytes".utf8)
        var sha = SHA256()
        sha.update(data: sample + canonical)
        let expected = Array(sha.finalize())
        let viaArrays = RecordCodec.chainHash(prevHash: prev, canonical: canonical, range: 0..<canonical.count)
        let viaBuffers = sample.withUnsafeBytes { p in
            canonical.withUnsafeBytes { c in RecordCodec.chainHash(prevHash: p, canonical: c) }
        }
        #expect(viaArrays.bytes == expected)
        #expect(viaBuffers == viaArrays)
    }
}
