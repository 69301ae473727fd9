import CRMEventLog
import Foundation

/// A hash map from event id to position for the memtable's unmerged ids.
///
/// The writer adds every appended id (1,000 per batch of 1,000 events) and a merge hands the whole table to the
/// index. `Dictionary<UUID, UInt64>` hashed each id with SipHash and rehashed while growing: about a tenth of the
/// writer's time per event. This table keeps ids and positions in insertion order, in two arrays, and an
/// open-addressing slot array over them (``FastHash/uuid(_:)``, linear probing, at most half full).
struct IdTable: Sendable {
    private(set) var ids: [UUID] = []
    private(set) var positions: [UInt64] = []
    /// Per slot: the hash's high 32 bits << 32 | (entry index + 1); 0 = empty.
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int = 0) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n)
        mask = n - 1
        ids.reserveCapacity(capacity)
        positions.reserveCapacity(capacity)
    }

    var count: Int { ids.count }
    var isEmpty: Bool { ids.isEmpty }

    /// The position stored for `id`.
    subscript(id: UUID) -> UInt64? {
        let hash = FastHash.uuid(id)
        var slot = Int(truncatingIfNeeded: hash) & mask
        let tag = hash >> 32
        while true {
            let s = slots[slot]
            if s == 0 { return nil }
            if s >> 32 == tag {
                let e = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if ids[e] == id { return positions[e] }
            }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `position` for `id`; an id already present keeps its entry and gets the new position.
    mutating func insert(_ id: UUID, _ position: UInt64) {
        let hash = FastHash.uuid(id)
        var slot = Int(truncatingIfNeeded: hash) & mask
        let tag = hash >> 32
        while true {
            let s = slots[slot]
            if s == 0 { break }
            if s >> 32 == tag {
                let e = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if ids[e] == id {
                    positions[e] = position
                    return
                }
            }
            slot = (slot + 1) & mask
        }
        if (ids.count + 1) * 2 > slots.count {
            grow()
            slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
        }
        slots[slot] = tag << 32 | UInt64(ids.count + 1)
        ids.append(id)
        positions.append(position)
    }

    /// Adds the entries of `older` whose ids this table does not hold.
    mutating func insertAbsent(from older: IdTable) {
        for (id, position) in zip(older.ids, older.positions) where self[id] == nil { insert(id, position) }
    }

    private mutating func grow() {
        let n = slots.count * 2
        slots = [UInt64](repeating: 0, count: n)
        mask = n - 1
        for (i, id) in ids.enumerated() {
            let hash = FastHash.uuid(id)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (hash >> 32) << 32 | UInt64(i + 1)
        }
    }
}
