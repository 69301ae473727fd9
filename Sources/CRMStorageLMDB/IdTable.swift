import CLMDB
import CRMEventLog
import Foundation

/// A hash map from event id to position for the memtable's unmerged ids.
///
/// The writer adds every appended id (1,000 per batch of 1,000 events) and a merge hands the whole table to the
/// index. `Dictionary<UUID, UInt64>` hashed each id with SipHash and rehashed while growing: about a tenth of the
/// writer's time per event. This table keeps ids and positions in insertion order, in two arrays, and a
/// ``HashSlots`` index over them (``FastHash/uuid(_:)``).
struct IdTable: Sendable {
    private(set) var ids: [UUID] = []
    private(set) var positions: [UInt64] = []
    private var slots: HashSlots

    init(capacity: Int = 0) {
        slots = HashSlots(capacity: capacity)
        ids.reserveCapacity(capacity)
        positions.reserveCapacity(capacity)
    }

    var count: Int { ids.count }
    var isEmpty: Bool { ids.isEmpty }

    /// The position stored for `id`.
    subscript(id: UUID) -> UInt64? {
        slots.find(hash: FastHash.uuid(id)) { ids[$0] == id }.map { positions[$0] }
    }

    /// Stores `position` for `id`; an id already present keeps its entry and gets the new position.
    mutating func insert(_ id: UUID, _ position: UInt64) {
        let hash = FastHash.uuid(id)
        if let e = slots.find(hash: hash, where: { ids[$0] == id }) {
            positions[e] = position
            return
        }
        ids.append(id)
        positions.append(position)
        slots.insert(ids.count - 1, hash: hash) { FastHash.uuid(ids[$0]) }
    }

    /// Adds entries whose ids the table does not hold (a committed group's: every id it wrote is new). The first
    /// slot each id probes is prefetched for all of them before any is placed, so their cache misses overlap.
    mutating func insertNew(_ entries: [(id: UUID, position: UInt64)]) {
        var hashes: [UInt64] = []
        hashes.reserveCapacity(entries.count)
        for e in entries {
            let h = FastHash.uuid(e.id)
            hashes.append(h)
            slots.withFirstSlot(hash: h) { crm_prefetch($0) }
        }
        for (k, e) in entries.enumerated() {
            ids.append(e.id)
            positions.append(e.position)
            slots.insert(ids.count - 1, hash: hashes[k]) { FastHash.uuid(ids[$0]) }
        }
    }

    /// Adds the entries of `older` whose ids this table does not hold.
    mutating func insertAbsent(from older: IdTable) {
        for (id, position) in zip(older.ids, older.positions) where self[id] == nil { insert(id, position) }
    }
}
