internal import Foundation

// The fast path of the binary decoder: types that read their own binary form from a `BinaryReader`.
//
// The `Decoder` path (`_BinaryDecoder`) pays, per struct, for a boxed keyed container and generic metadata
// lookups, and per field for a dynamic dispatch through the box; together that is most of the time of a payload
// decode. Event payloads and the structs and enums inside them conform to `BinaryDecodable` instead, through
// `BinaryDecodable+Generated.swift` (written by `BinaryDecodableGenerator` in the domain tests, which fail when the
// file no longer matches the types). The standard and core types conform below, by hand.
//
// A conformance must read exactly the bytes, and throw exactly the errors, that `BinaryEventDecoder` reads and
// throws for the same type through its `init(from:)`; `BinaryDecodableTests` checks this for every event of the
// fixtures, on good and on damaged bytes.

/// A value that reads its binary form (see ``BinaryEventEncoder``) straight from a reader.
protocol BinaryDecodable {
    /// Reads one value. Throws ``CodecError`` for bad bytes, and what a field's `init(from:)` throws for the fields
    /// read through the `Decoder` path (``BinaryReader/readGeneric()``).
    init(binary reader: inout BinaryReader) throws
}

/// An event payload with a ``BinaryDecodable`` conformance: the registry decodes it without the `Decoder` path.
protocol BinaryDecodableEvent: DomainEvent, BinaryDecodable {
    /// Decodes a payload that fills `bytes` exactly; the errors are those of ``BinaryEventDecoder``.
    static func decodeEvent(binary bytes: UnsafeRawBufferPointer) throws(CodecError) -> any DomainEvent
}

extension BinaryDecodableEvent {
    static func decodeEvent(binary bytes: UnsafeRawBufferPointer) throws(CodecError) -> any DomainEvent {
        var reader = BinaryReader(bytes)
        let value: Self
        do {
            value = try Self(binary: &reader)
        } catch {
            throw CodecError.decoding(error, of: Self.self)
        }
        guard reader.isAtEnd else { throw CodecError.leftOver(reader.remaining, after: Self.self) }
        return value
    }
}

extension CodecError {
    /// Bytes left over after the top-level value.
    static func leftOver(_ count: Int, after type: Any.Type) -> CodecError {
        .malformed("\(count) bytes left over after decoding \(type)")
    }
}

extension BinaryReader {
    /// A value of the type the context asks for, through its ``BinaryDecodable`` conformance.
    @inline(__always)
    mutating func read<T: BinaryDecodable>() throws -> T { try T(binary: &self) }

    /// A value through the `Decoder` path, for types without a ``BinaryDecodable`` conformance.
    mutating func readGeneric<T: Decodable>() throws -> T {
        let decoder = _BinaryDecoder(self)
        defer { withExtendedLifetime(decoder) {} }  // its containers do not retain it
        let value = try decoder.decodeValue(T.self)
        self = decoder.reader
        return value
    }

    /// An element count (see `_BinaryDecoder.decodeCount()`).
    @inline(__always)
    mutating func readCount() throws(CodecError) -> Int {
        let n = try readUVarint()
        guard n <= UInt64(remaining) else { throw .truncated(needed: Int(clamping: n), available: remaining) }
        return Int(n)
    }

    /// A presence byte: `0` absent, `1` present.
    @inline(__always)
    mutating func readPresence() throws(CodecError) -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let b: throw .malformed("presence byte \(b) is neither 0 nor 1")
        }
    }

    @inline(__always)
    mutating func readSigned<I: FixedWidthInteger & SignedInteger>(_ type: I.Type) throws(CodecError) -> I {
        let v = try readVarint()
        guard let value = I(exactly: v) else { throw .malformed("\(v) is out of range for \(I.self)") }
        return value
    }

    @inline(__always)
    mutating func readUnsigned<U: FixedWidthInteger & UnsignedInteger>(_ type: U.Type) throws(CodecError) -> U {
        let v = try readUVarint()
        guard let value = U(exactly: v) else { throw .malformed("\(v) is out of range for \(U.self)") }
        return value
    }
}

// MARK: - Structural types

extension Optional: BinaryDecodable where Wrapped: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws {
        self = try reader.readPresence() ? try Wrapped(binary: &reader) : nil
    }
}

extension Array: BinaryDecodable where Element: BinaryDecodable {
    init(binary reader: inout BinaryReader) throws {
        let count = try reader.readCount()
        self = []
        reserveCapacity(count)
        for _ in 0..<count { append(try Element(binary: &reader)) }
    }
}

/// `String`-raw enums without payloads are written as their raw value and read through their case table
/// (``_StringEnumTable``); the generated file declares the conformance of those that have one.
extension BinaryDecodable where Self: Decodable & CaseIterable & RawRepresentable, RawValue == String {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws {
        guard case .stringEnum(let table) = _DecodePlan.of(Self.self) else {
            self = try reader.readGeneric()
            return
        }
        let count = try reader.readCount()
        let raw = try reader.readBytes(count)
        self = try table._withUnsafeGuaranteedRef { try $0.value(raw, as: Self.self) }
    }
}

// MARK: - Standard types

extension String: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readString() }
}

extension Bool: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws {
        switch try reader.readByte() {
        case 0: self = false
        case 1: self = true
        case let b: throw CodecError.malformed("boolean byte \(b) is neither 0 nor 1")
        }
    }
}

extension Int64: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readVarint() }
}

extension Int: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readSigned(Int.self) }
}

extension Int32: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readSigned(Int32.self) }
}

extension Int16: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readSigned(Int16.self) }
}

extension Int8: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readSigned(Int8.self) }
}

extension UInt64: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readUVarint() }
}

extension UInt: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readUnsigned(UInt.self) }
}

extension UInt32: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readUnsigned(UInt32.self) }
}

extension UInt16: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readUnsigned(UInt16.self) }
}

extension UInt8: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try reader.readUnsigned(UInt8.self) }
}

extension Double: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws {
        let raw = try reader.readBytes(8)
        self = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
    }
}

extension Float: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws {
        let raw = try reader.readBytes(4)
        self = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
    }
}

// MARK: - Core types

extension ID: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws {
        // The bytes `writeBinary` writes, loaded in one go.
        self.init(uuid: UUID(uuid: try reader.readBytes(16).loadUnaligned(as: uuid_t.self)))
    }
}

extension Timestamp: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try Timestamp.readBinary(from: &reader) }
}

extension LocalDate: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws { self = try LocalDate.readBinary(from: &reader) }
}

extension Money: BinaryDecodable {
    @inline(__always)
    init(binary reader: inout BinaryReader) throws {
        let amount = try reader.readVarint()
        self.init(amountMinor: amount, currency: try reader.readString())
    }
}

extension Period: BinaryDecodable {
    init(binary reader: inout BinaryReader) throws { self = try Period(decoded: try reader.readString(), at: []) }
}
