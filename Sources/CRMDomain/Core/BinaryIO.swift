/// Errors of the binary and JSON event codecs.
public enum CodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes end before the value does.
    case truncated(needed: Int, available: Int)
    /// The bytes are not a valid encoding (bad tag, out-of-range number, invalid UTF-8, ...).
    case malformed(String)
    /// No event type with this name and schema version is registered.
    case unknownEventType(type: String, schemaVersion: Int)
    /// A value that the binary codec cannot represent (for example a `Dictionary`: use an array of pairs).
    case unsupported(String)

    public var description: String {
        switch self {
        case .truncated(let needed, let available):
            return "truncated event bytes: needed \(needed) more bytes, \(available) available"
        case .malformed(let what): return "malformed event bytes: \(what)"
        case .unknownEventType(let type, let v):
            return "unknown event type '\(type)' v\(v): register it in EventRegistry or add an upcaster"
        case .unsupported(let what): return "unsupported by the binary codec: \(what)"
        }
    }
}

/// Appends primitive values in the binary event encoding (little-endian fixed width, zig-zag varints).
public enum BinaryWriter {
    @inlinable
    public static func writeVarint(_ value: Int64, to buffer: inout [UInt8]) {
        writeUVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &buffer)
    }

    @inlinable
    public static func writeUVarint(_ value: UInt64, to buffer: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    @inlinable
    public static func writeString(_ value: String, to buffer: inout [UInt8]) {
        var s = value
        s.withUTF8 { utf8 in
            writeUVarint(UInt64(utf8.count), to: &buffer)
            buffer.append(contentsOf: utf8)
        }
    }
}

/// Reads values written by ``BinaryWriter`` from a byte slice without copying it.
/// The reader does not own the bytes: use it only inside the `withUnsafeBytes` scope that produced them.
public struct BinaryReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var offset: Int

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.offset = 0
    }

    @inlinable
    public var isAtEnd: Bool { offset >= bytes.count }

    @inlinable
    public var remaining: Int { bytes.count - offset }

    @inlinable
    public mutating func readByte() throws(CodecError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(needed: 1, available: 0) }
        let b = bytes[offset]
        offset += 1
        return b
    }

    @inlinable
    public mutating func readUVarint() throws(CodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw .truncated(needed: 1, available: 0) }
            let b = bytes[offset]
            offset += 1
            if shift == 63 && b > 1 { throw .malformed("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                // A zero final byte after others is an overlong encoding of a shorter varint: reject it so that
                // every value has exactly one byte form (decode then encode gives the same bytes).
                if b == 0 && shift > 0 { throw .malformed("overlong varint") }
                return result
            }
            shift += 7
            if shift > 63 { throw .malformed("varint longer than 10 bytes") }
        }
    }

    @inlinable
    public mutating func readVarint() throws(CodecError) -> Int64 {
        let u = try readUVarint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// The next `count` bytes as a slice of the underlying buffer (valid while the buffer is).
    @inlinable
    public mutating func readBytes(_ count: Int) throws(CodecError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - offset else {
            throw .truncated(needed: count, available: bytes.count - offset)
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    @inlinable
    public mutating func readString() throws(CodecError) -> String {
        let n = try readUVarint()
        guard n <= UInt64(bytes.count - offset) else {
            throw .truncated(needed: Int(clamping: n), available: bytes.count - offset)
        }
        let slice = try readBytes(Int(n))
        let typed = UnsafeBufferPointer(
            start: slice.baseAddress?.assumingMemoryBound(to: UInt8.self),
            count: slice.count
        )
        // `String(validating:as:)` is generic over the encoding and not specialized here (metadata lookups on
        // every call); validate with the specialized check below, then build the string without repairs.
        guard isValidUTF8(typed) else { throw .malformed("string is not valid UTF-8") }
        return String(decoding: typed, as: UTF8.self)
    }
}

/// True when `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
@inlinable
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = bytes.count
    guard let base = bytes.baseAddress else { return true }
    while i < n {
        // ASCII runs, eight bytes at a time.
        while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
        }
        guard i < n else { return true }
        let b0 = base[i]
        if b0 < 0x80 {
            i += 1
            continue
        }
        func continuation(_ k: Int) -> Bool { i + k < n && base[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            guard continuation(1) else { return false }
            i += 2
        case 0xE0...0xEF:
            guard continuation(1), continuation(2) else { return false }
            let b1 = base[i + 1]
            if b0 == 0xE0 && b1 < 0xA0 { return false }  // overlong
            if b0 == 0xED && b1 > 0x9F { return false }  // surrogate
            i += 3
        case 0xF0...0xF4:
            guard continuation(1), continuation(2), continuation(3) else { return false }
            let b1 = base[i + 1]
            if b0 == 0xF0 && b1 < 0x90 { return false }  // overlong
            if b0 == 0xF4 && b1 > 0x8F { return false }  // above U+10FFFF
            i += 4
        default:
            return false
        }
    }
    return true
}
