/// A SHA-256 digest of the log's hash chain: 32 bytes, held inline.
///
/// Every ``RecordedEvent`` carries two (``RecordedEvent/prevHash`` and ``RecordedEvent/hash``) and ``LogHead`` one;
/// as a value of fixed size they cost no allocation when an event is read, and compare as four words.
///
/// ```swift
/// let head = try log.head()
/// print(head.hash)                  // 64 lowercase hex digits
/// let bytes: [UInt8] = head.hash.bytes
/// let same = ChainHash(hex: head.hash.hex) == head.hash
/// ```
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes in stored order, as four words in memory order.
    @usableFromInline package var words: (UInt64, UInt64, UInt64, UInt64)

    /// Bytes in a digest.
    public static let byteCount = 32

    /// 32 zero bytes: the ``RecordedEvent/prevHash`` of the first event and the ``LogHead/hash`` of an empty log.
    public static let zero = ChainHash(words: (0, 0, 0, 0))

    @inlinable package init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// The digest made of `bytes`, or `nil` unless there are exactly 32 of them.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { out in
            for (i, b) in bytes.enumerated() { out[i] = b }
        }
        self.words = words
    }

    /// The digest whose 64 hex digits (either case) are `hex`, or `nil` if it is anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes = [UInt8](repeating: 0, count: Self.byteCount)
        for i in 0..<Self.byteCount {
            guard let hi = Self.nibble(digits[2 * i]), let lo = Self.nibble(digits[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        self.init(bytes)
    }

    /// Copies the 32 bytes at `raw`, which must hold exactly 32.
    @inlinable
    public init(copying raw: UnsafeRawBufferPointer) {
        precondition(raw.count == Self.byteCount, "a chain hash is 32 bytes, got \(raw.count)")
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: raw) }
        self.init(words: words)
    }

    /// The 32 bytes, in stored order.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 bytes, in stored order.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var words = self.words
        return try Swift.withUnsafeBytes(of: &words) { (raw) throws(E) -> R in try body(raw) }
    }

    /// The digest as 64 lowercase hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * Self.byteCount)
        withUnsafeBytes { raw in
            for b in raw {
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    public static func == (a: ChainHash, b: ChainHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
