import CLMDB
import CRMEventLog

/// A hash map from stream name to `Value` for the writer's hot path.
///
/// `Dictionary<String, _>` hashes the name with SipHash on every access and compares full names along each probe
/// sequence; with tens of thousands of 16–40-byte names that was a fifth of the writer's time. This table stores
/// each entry's 64-bit hash, compares names only when hashes match, and lets callers hash a name once and reuse
/// the hash (and the entry's index) across lookups. Open addressing with linear probing; indices of entries stay
/// stable until ``removeAll(where:)``.
struct StreamTable<Value: Sendable>: Sendable {
    private(set) var names: [String] = []
    private(set) var hashes: [UInt64] = []
    var values: [Value] = []
    /// Per slot: the hash's high 32 bits << 32 | (entry index + 1); 0 = empty. The tag spares a look at the
    /// entry (a cache miss) for probes that cannot match.
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int = 16) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n)
        mask = n - 1
        names.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { names.count }

    /// ``FastHash/string(_:)`` of the name.
    @inline(__always)
    static func hash(_ name: String) -> UInt64 { FastHash.string(name) }

    /// The index of `name`'s entry.
    @inline(__always)
    func find(_ name: String, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        let tag = hash >> 32
        while true {
            let s = slots[slot]
            if s == 0 { return nil }
            if s >> 32 == tag {
                let e = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if hashes[e] == hash && names[e] == name { return e }
            }
            slot = (slot + 1) & mask
        }
    }

    func find(_ name: String) -> Int? { find(name, hash: Self.hash(name)) }

    /// Starts loading the slot `hash` probes first (see `crm_prefetch`).
    @inline(__always)
    func prefetchSlot(hash: UInt64) {
        slots.withUnsafeBufferPointer { crm_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: hash) & mask)) }
    }

    /// Starts loading the entry of `name` if its first probed slot names it (after ``prefetchSlot(hash:)``).
    @inline(__always)
    func prefetchEntry(hash: UInt64) {
        let s = slots[Int(truncatingIfNeeded: hash) & mask]
        guard s != 0, s >> 32 == hash >> 32 else { return }
        let e = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
        names.withUnsafeBufferPointer { crm_prefetch($0.baseAddress! + e) }
        values.withUnsafeBufferPointer { crm_prefetch($0.baseAddress! + e) }
        hashes.withUnsafeBufferPointer { crm_prefetch($0.baseAddress! + e) }
    }

    /// Adds an entry for a name that is not in the table and returns its index.
    @discardableResult
    mutating func insert(_ name: String, hash: UInt64, _ value: Value) -> Int {
        if (names.count + 1) * 2 > slots.count { grow() }
        let index = names.count
        names.append(name)
        hashes.append(hash)
        values.append(value)
        place(index, hash: hash)
        return index
    }

    private mutating func place(_ index: Int, hash: UInt64) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash >> 32) << 32 | UInt64(index + 1)
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = [UInt64](repeating: 0, count: n)
        mask = n - 1
        for i in names.indices { place(i, hash: hashes[i]) }
    }

    /// Drops the entries for which `drop` is true and returns where each old index moved (-1: dropped).
    @discardableResult
    mutating func removeAll(where drop: (Value) -> Bool) -> [Int] {
        var keptNames: [String] = []
        var keptHashes: [UInt64] = []
        var keptValues: [Value] = []
        var moved = [Int](repeating: -1, count: names.count)
        for i in names.indices where !drop(values[i]) {
            moved[i] = keptNames.count
            keptNames.append(names[i])
            keptHashes.append(hashes[i])
            keptValues.append(values[i])
        }
        names = keptNames
        hashes = keptHashes
        values = keptValues
        slots = [UInt64](repeating: 0, count: slots.count)
        for i in names.indices { place(i, hash: hashes[i]) }
        return moved
    }
}
