package import Foundation

/// Fast, non-cryptographic 64-bit hashes of stream names and event ids for the append path's own tables.
///
/// `Set` and `Dictionary` hash with SipHash through `Hasher`: about 20 ns per stream name or id, which was a tenth of
/// an append's cost. These hashes read the bytes 8 at a time and finish with the SplitMix64 finaliser. They are
/// not for persistent data and not collision-resistant against crafted input: ids are mixed with a per-process
/// seed, and a collision in a table costs only one more comparison.
package enum FastHash {
    /// A per-process seed, so that crafted ids cannot be aimed at one table slot.
    package static let seed: UInt64 = UInt64.random(in: 1...UInt64.max)

    @inline(__always)
    package static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 29
        z = z &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 32)
    }

    /// The hash of a stream name's UTF-8 bytes.
    @inline(__always)
    package static func string(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { u -> UInt64 in
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(u.count)
            let raw = UnsafeRawBufferPointer(u)
            var i = 0
            while i + 8 <= raw.count {
                h = mix(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < raw.count {
                tail |= UInt64(raw[i]) << shift
                shift += 8
                i += 1
            }
            return mix(h ^ tail ^ 0xFF51_AFD7_ED55_8CCD)
        }
    }

    /// The hash of an event id (seeded per process).
    @inline(__always)
    package static func uuid(_ id: UUID) -> UInt64 {
        withUnsafeBytes(of: id.uuid) { raw in
            let a = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            let b = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            return mix(a ^ seed ^ mix(b &+ 0x9E37_79B9_7F4A_7C15))
        }
    }
}

/// The slot array of an open-addressing hash table whose entries live in the owner's own arrays.
///
/// Each slot holds the high 32 bits of the entry's hash (a tag) and the entry's index + 1 (0: empty). The tag spares
/// a look at the entry (a cache miss) for probes that cannot match. Linear probing; the table grows to keep at most
/// half of the slots used. The owner compares keys (`same`) and supplies hashes when the slots are rebuilt.
package struct HashSlots: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    private var used = 0

    /// Room for `capacity` entries before the first growth.
    package init(capacity: Int = 8) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n)
        mask = n - 1
    }

    /// The entry under `hash` for which `same(index)` holds.
    @inline(__always)
    package func find(hash: UInt64, where same: (Int) -> Bool) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        let tag = hash >> 32
        while true {
            let s = slots[slot]
            if s == 0 { return nil }
            if s >> 32 == tag, same(Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1) {
                return Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
            }
            slot = (slot + 1) & mask
        }
    }

    /// Adds entry `index` (not present) under `hash`; `hashOf` gives every entry's hash if the slots must grow.
    @inline(__always)
    package mutating func insert(_ index: Int, hash: UInt64, hashOf: (Int) -> UInt64) {
        if (used + 1) * 2 > slots.count { rebuild(size: slots.count * 2, entries: used, hashOf: hashOf) }
        place(index, hash: hash)
        used += 1
    }

    /// Empties the slots, keeping their size when `keepingCapacity`.
    package mutating func removeAll(keepingCapacity: Bool) {
        if keepingCapacity {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            slots = [UInt64](repeating: 0, count: 16)
            mask = 15
        }
        used = 0
    }

    /// Empties the slots (size kept or grown to `size`) and places entries `0..<entries` again.
    package mutating func rebuild(size: Int? = nil, entries: Int, hashOf: (Int) -> UInt64) {
        slots = [UInt64](repeating: 0, count: size ?? slots.count)
        mask = slots.count - 1
        used = 0
        for i in 0..<entries {
            place(i, hash: hashOf(i))
            used += 1
        }
    }

    @inline(__always)
    private mutating func place(_ index: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash >> 32) << 32 | UInt64(index + 1)
    }

    /// The entry index the first slot probed for `hash` names, if its tag matches (for prefetching the entry).
    @inline(__always)
    package func firstCandidate(hash: UInt64) -> Int? {
        let s = slots[Int(truncatingIfNeeded: hash) & mask]
        guard s != 0, s >> 32 == hash >> 32 else { return nil }
        return Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
    }

    /// The address of the first slot probed for `hash` (for prefetching it).
    @inline(__always)
    package func withFirstSlot<R>(hash: UInt64, _ body: (UnsafeRawPointer) -> R) -> R {
        slots.withUnsafeBufferPointer { body($0.baseAddress! + (Int(truncatingIfNeeded: hash) & mask)) }
    }
}
