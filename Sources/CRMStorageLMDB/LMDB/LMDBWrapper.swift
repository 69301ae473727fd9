import CLMDB
import CRMEventLog

#if canImport(Glibc)
    import Glibc
#endif

/// An LMDB return code with its text. Internal: mapped to ``EventLogError`` at the module boundary.
struct LMDBError: Error, CustomStringConvertible {
    let code: Int32
    let operation: String

    var description: String { "\(operation): \(String(cString: mdb_strerror(code))) (\(code))" }

    var isMapFull: Bool { code == MDB_MAP_FULL }

    static let indexPrefix = "index: "

    /// The derived index holds something it cannot have written; `what` says what and where. The log is not
    /// involved, so the error tells the user to rebuild the index rather than to restore the log.
    static func indexDamaged(_ what: String) -> LMDBError {
        LMDBError(code: MDB_CORRUPTED, operation: indexPrefix + what)
    }

    @inline(__always)
    static func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
    }

    var asEventLogError: EventLogError {
        switch code {
        case MDB_INVALID, MDB_VERSION_MISMATCH:
            return EventLogError(
                code: .notAnEventLog,
                message: "\(self): the directory does not hold an LMDB event log"
            )
        case MDB_CORRUPTED where operation.hasPrefix(Self.indexPrefix):
            return .corrupt(
                "\(operation): the index is damaged; close the log, delete its `index` directory and open it again "
                    + "(the index is rebuilt from the log, which this does not touch)"
            )
        case MDB_CORRUPTED, MDB_PAGE_NOTFOUND:
            return .corrupt("\(self): the log's storage is corrupted; restore it from a backup or an export")
        case MDB_READERS_FULL:
            return .storage("\(self): too many concurrent readers; raise LMDBConfiguration.maxReaders")
        default:
            return .storage("\(self)")
        }
    }
}

@inline(__always)
func flag(_ f: Int32) -> UInt32 { UInt32(bitPattern: f) }

/// Borrowed bytes as an `MDB_val` for the duration of `body`.
@inline(__always)
func withVal<R>(_ bytes: UnsafeRawBufferPointer, _ body: (inout MDB_val) throws(LMDBError) -> R) throws(LMDBError) -> R
{
    var v = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
    return try body(&v)
}

extension MDB_val {
    @inline(__always)
    var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: mv_data, count: mv_size) }
}

/// Big-endian fixed-width keys, so LMDB's byte order is numeric order.
enum Keys {
    @inline(__always)
    static func position(_ p: UInt64) -> UInt64 { p.bigEndian }

    @inline(__always)
    static func readPosition(_ raw: UnsafeRawBufferPointer) -> UInt64? {
        guard raw.count == 8 else { return nil }
        return UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self))
    }
}

/// A read-write lock (pthread) that keeps readers out while the writer resizes the map.
final class ReadWriteLock: @unchecked Sendable {
    // @unchecked: the pthread lock is only used through its own API, which is thread-safe.
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() { pthread_rwlock_init(lock, nil) }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @inline(__always)
    func withReadLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Takes the lock shared until ``unlock()``.
    func lockShared() { pthread_rwlock_rdlock(lock) }

    func unlock() { pthread_rwlock_unlock(lock) }

    @inline(__always)
    func withWriteLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
