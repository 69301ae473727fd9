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
    private var slots: HashSlots

    init(capacity: Int = 16) {
        slots = HashSlots(capacity: capacity)
        names.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { names.count }
    /// Entries the table holds room for.
    var capacity: Int { names.capacity }

    /// Drops every entry, keeping the storage when `keepingCapacity`.
    mutating func removeAll(keepingCapacity: Bool) {
        names.removeAll(keepingCapacity: keepingCapacity)
        hashes.removeAll(keepingCapacity: keepingCapacity)
        values.removeAll(keepingCapacity: keepingCapacity)
        slots.removeAll(keepingCapacity: keepingCapacity)
    }

    /// ``FastHash/string(_:)`` of the name.
    @inline(__always)
    static func hash(_ name: String) -> UInt64 { FastHash.string(name) }

    /// The index of `name`'s entry.
    @inline(__always)
    func find(_ name: String, hash: UInt64) -> Int? {
        slots.find(hash: hash) { hashes[$0] == hash && names[$0] == name }
    }

    func find(_ name: String) -> Int? { find(name, hash: Self.hash(name)) }

    /// Starts loading the slot `hash` probes first (see `crm_prefetch`).
    @inline(__always)
    func prefetchSlot(hash: UInt64) {
        slots.withFirstSlot(hash: hash) { crm_prefetch($0) }
    }

    /// Starts loading the entry of `name` if its first probed slot names it (after ``prefetchSlot(hash:)``).
    @inline(__always)
    func prefetchEntry(hash: UInt64) {
        guard let e = slots.firstCandidate(hash: hash) else { return }
        names.withUnsafeBufferPointer { crm_prefetch($0.baseAddress! + e) }
        values.withUnsafeBufferPointer { crm_prefetch($0.baseAddress! + e) }
        hashes.withUnsafeBufferPointer { crm_prefetch($0.baseAddress! + e) }
    }

    /// Adds an entry for a name that is not in the table and returns its index.
    @discardableResult
    mutating func insert(_ name: String, hash: UInt64, _ value: Value) -> Int {
        let index = names.count
        names.append(name)
        hashes.append(hash)
        values.append(value)
        slots.insert(index, hash: hash) { hashes[$0] }
        return index
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
        slots.rebuild(entries: names.count) { keptHashes[$0] }
        return moved
    }
}
