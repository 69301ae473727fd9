internal import Foundation

/// The event types the engine can store and read: binary and JSON codecs by type name and schema version,
/// upcasting of older versions, and the JSON Schema of every version.
///
/// Built once from the catalogue (``EventCatalog/registry``); every lookup is one hash-table probe keyed by type
/// name and version. Reads of an older schema version decode the legacy payload type and run the registered
/// ``Upcaster`` chain, so callers always get the current type.
///
/// ```swift
/// let registry = EventCatalog.registry
/// let bytes = try registry.encodeBinary(event)  // stored with type "UserOnboarded", schemaVersion 2
/// let back = try registry.decode(type: "UserOnboarded", schemaVersion: 2, binary: bytes)
/// ```
///
/// A registry whose types or upcasters contradict each other (two types with one name and version, an upcaster
/// without a path to the current version, mismatched payload types) is a programming error and stops the
/// process at construction, naming the problem.
public struct EventRegistry: Sendable {
    struct Key: Hashable, Sendable {
        let type: String
        let version: Int
    }

    typealias Step = @Sendable (any DomainEvent) throws(CodecError) -> any DomainEvent

    struct Entry: Sendable {
        /// The type stored under this name and version (the current type or a legacy one).
        let payloadType: any DomainEvent.Type
        let isCurrent: Bool
        let decodeBinary: @Sendable (UnsafeRawBufferPointer) throws(CodecError) -> any DomainEvent
        let decodeJSON: @Sendable ([UInt8]) throws(CodecError) -> any DomainEvent
        /// From `payloadType` to the current type (identity for the current version).
        let upcast: Step
        let validator: Result<SchemaValidator, CodecError>
    }

    private let entries: [Key: Entry]
    private let currentVersions: [String: Int]
    /// The hot-path lookup of `decode(type:schemaVersion:binary:)`.
    private let index: _EventIndex

    /// A registry of `types` (each at its current ``DomainEvent/schemaVersion``) and of the older versions that
    /// `upcasters` lead from.
    public init(types: [any DomainEvent.Type], upcasters: [any Upcaster] = []) {
        var entries: [Key: Entry] = [:]
        var currentVersions: [String: Int] = [:]
        for type in types {
            let entry = EventRegistry.currentEntry(type)
            let key = Key(type: type.eventType, version: type.schemaVersion)
            precondition(
                type.schemaVersion >= 1,
                "\(type) has schemaVersion \(type.schemaVersion); versions start at 1"
            )
            if let existing = currentVersions[type.eventType] {
                preconditionFailure(
                    "event type '\(type.eventType)' is registered twice (v\(existing) and v\(type.schemaVersion)): "
                        + "list each type once and give older versions an Upcaster"
                )
            }
            currentVersions[type.eventType] = type.schemaVersion
            entries[key] = entry
        }

        var steps: [Key: (step: UpcastStep, upcaster: any Upcaster)] = [:]
        for upcaster in upcasters {
            let step = EventRegistry.step(upcaster)
            let key = Key(type: step.eventType, version: step.fromVersion)
            if steps[key] != nil {
                preconditionFailure("two upcasters read '\(key.type)' v\(key.version): keep one")
            }
            guard let current = currentVersions[key.type] else {
                preconditionFailure(
                    "upcaster \(type(of: upcaster)) reads '\(key.type)', which is not a registered event type"
                )
            }
            precondition(
                key.version < current,
                "upcaster \(type(of: upcaster)) reads '\(key.type)' v\(key.version), not older than current v\(current)"
            )
            steps[key] = (step, upcaster)
        }

        for (key, first) in steps {
            let current = currentVersions[key.type]!
            var chain: [Step] = [first.step.run]
            var output = first.step.output
            var outputType = first.step.outputType
            for version in (key.version + 1)..<current {
                guard let next = steps[Key(type: key.type, version: version)] else {
                    preconditionFailure(
                        "'\(key.type)' v\(key.version) cannot reach current v\(current): no upcaster reads v\(version)"
                    )
                }
                precondition(
                    next.step.input == output,
                    "upcaster \(type(of: next.upcaster)) reads \(next.step.inputType) but the v\(version - 1) "
                        + "upcaster produces \(outputType)"
                )
                chain.append(next.step.run)
                output = next.step.output
                outputType = next.step.outputType
            }
            let currentEntry = entries[Key(type: key.type, version: current)]!
            precondition(
                output == ObjectIdentifier(currentEntry.payloadType),
                "the upcasters of '\(key.type)' end in a type that is not the registered \(currentEntry.payloadType)"
            )
            entries[key] = EventRegistry.legacyEntry(first.upcaster, chain: chain)
        }
        self.entries = entries
        self.currentVersions = currentVersions
        self.index = _EventIndex(
            entries.map { ($0.key.type, $0.key.version, $0.value.payloadType, $0.value.isCurrent) }
        )
    }

    // MARK: Lookups

    /// The registered event type names, sorted.
    public var eventTypeNames: [String] { currentVersions.keys.sorted() }

    /// True when `type` is a registered event type name.
    public func isKnown(_ type: String) -> Bool { currentVersions[type] != nil }

    /// True when events of `type` stored at `schemaVersion` can be read (the current version or an upcast one).
    public func isKnown(type: String, schemaVersion: Int) -> Bool {
        entries[Key(type: type, version: schemaVersion)] != nil
    }

    /// The current schema version of `type`; `nil` for an unknown type.
    public func currentVersion(of type: String) -> Int? { currentVersions[type] }

    /// The current Swift type of `type`.
    public func eventType(named type: String) -> (any DomainEvent.Type)? {
        guard let version = currentVersions[type] else { return nil }
        return entries[Key(type: type, version: version)]?.payloadType
    }

    /// The Swift type that payloads of `type` at `schemaVersion` decode into (a legacy type for older versions).
    public func payloadType(of type: String, schemaVersion: Int) -> (any DomainEvent.Type)? {
        entries[Key(type: type, version: schemaVersion)]?.payloadType
    }

    /// Every readable payload type, current and legacy, sorted by type name then version: one JSON Schema each.
    public var payloadTypes: [any DomainEvent.Type] {
        entries.keys.sorted { ($0.type, $0.version) < ($1.type, $1.version) }.map { entries[$0]!.payloadType }
    }

    private func entry(_ type: String, _ schemaVersion: Int) throws(CodecError) -> Entry {
        guard let entry = entries[Key(type: type, version: schemaVersion)] else {
            throw .unknownEventType(type: type, schemaVersion: schemaVersion)
        }
        return entry
    }

    // MARK: Binary

    /// Decodes a stored payload, upcast to the current version of its type.
    ///
    /// - Throws: ``CodecError/unknownEventType(type:schemaVersion:)`` when no type is registered under this name
    ///   and version; the binary decoder's errors for bad bytes.
    public func decode(
        type: String,
        schemaVersion: Int,
        binary: UnsafeRawBufferPointer
    ) throws(CodecError) -> any DomainEvent {
        guard let slot = index.slot(of: type, version: schemaVersion) else {
            throw .unknownEventType(type: type, schemaVersion: schemaVersion)
        }
        guard index.isCurrent(slot) else { return try entry(type, schemaVersion).decodeBinary(binary) }
        if let fast = index.binaryDecodable(slot) { return try fast.decodeEvent(binary: binary) }
        let payloadType: any DomainEvent.Type = index.payloadType(slot)
        return try EventRegistry.decodeCurrent(payloadType, binary)
    }

    private static func decodeCurrent<E: DomainEvent>(
        _ type: E.Type,
        _ binary: UnsafeRawBufferPointer
    ) throws(CodecError) -> any DomainEvent {
        try BinaryEventDecoder().decodeEvent(E.self, from: binary)
    }

    /// Decodes a stored payload, upcast to the current version of its type.
    public func decode(type: String, schemaVersion: Int, binary: [UInt8]) throws(CodecError) -> any DomainEvent {
        try withBytes(binary) { raw throws(CodecError) in
            try decode(type: type, schemaVersion: schemaVersion, binary: raw)
        }
    }

    /// The binary payload of `event`, to store under `event.eventType` and its type's current schema version.
    ///
    /// - Throws: ``CodecError/unknownEventType(type:schemaVersion:)`` for a type not in the registry,
    ///   ``CodecError/unsupported(_:)`` for a legacy payload type (store the current version) or a value the binary
    ///   codec cannot represent.
    public func encodeBinary(_ event: any DomainEvent) throws(CodecError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encodeBinary(event, into: &bytes)
        return bytes
    }

    /// Appends the binary payload of `event` to `buffer`; on error `buffer` is unchanged.
    public func encodeBinary(_ event: any DomainEvent, into buffer: inout [UInt8]) throws(CodecError) {
        try checkCurrent(event)
        try EventRegistry.encode(event, into: &buffer)
    }

    private static func encode<E: DomainEvent>(_ event: E, into buffer: inout [UInt8]) throws(CodecError) {
        try BinaryEventEncoder().encode(event, into: &buffer)
    }

    private func checkCurrent(_ event: any DomainEvent) throws(CodecError) {
        let type = Swift.type(of: event)
        let entry = try entry(type.eventType, type.schemaVersion)
        guard ObjectIdentifier(entry.payloadType) == ObjectIdentifier(type) else {
            throw .unsupported(
                "'\(type.eventType)' v\(type.schemaVersion) is registered as \(entry.payloadType), not \(type)"
            )
        }
        guard entry.isCurrent else {
            throw .unsupported(
                "\(type) is the legacy v\(type.schemaVersion) of '\(type.eventType)'; "
                    + "store the current v\(currentVersions[type.eventType]!) (upcast it first)"
            )
        }
    }

    // MARK: JSON

    /// Decodes a JSON payload (the `data` of an interchange line), upcast to the current version.
    ///
    /// Unknown members are ignored here: validate with ``validate(_:type:schemaVersion:path:)`` first to reject
    /// them.
    ///
    /// - Throws: ``CodecError/unknownEventType(type:schemaVersion:)``; ``CodecError/malformed(_:)`` naming the
    ///   JSON path of a missing field, a wrong type or an invalid value.
    public func decodeJSON(type: String, schemaVersion: Int, data: [UInt8]) throws(CodecError) -> any DomainEvent {
        try entry(type, schemaVersion).decodeJSON(data)
    }

    /// The JSON payload of `event`: catalogue field names, sorted keys, unescaped slashes, absent optionals omitted.
    public func encodeJSON(_ event: any DomainEvent) throws(CodecError) -> [UInt8] {
        try checkCurrent(event)
        return try EventRegistry.json(event)
    }

    private static func json<E: DomainEvent>(_ event: E) throws(CodecError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(event))
        } catch {
            throw CodecError.encoding(error, of: E.self)
        }
    }

    private static func fromJSON<T: Decodable>(_ type: T.Type, _ data: [UInt8]) throws(CodecError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(data))
        } catch {
            throw CodecError.decoding(error, of: T.self)
        }
    }

    // MARK: Upcasting and schemas

    /// `event` (a current or legacy payload of a registered type) as its current version.
    public func upcast(_ event: any DomainEvent) throws(CodecError) -> any DomainEvent {
        let type = Swift.type(of: event)
        let entry = try entry(type.eventType, type.schemaVersion)
        guard ObjectIdentifier(entry.payloadType) == ObjectIdentifier(type) else {
            throw .unsupported(
                "'\(type.eventType)' v\(type.schemaVersion) is registered as \(entry.payloadType), not \(type)"
            )
        }
        return try entry.upcast(event)
    }

    /// The validator of the JSON Schema of `type` at `schemaVersion`.
    ///
    /// - Throws: ``CodecError/unknownEventType(type:schemaVersion:)``, or the schema generator's error when the
    ///   payload type cannot be described (a `Dictionary`, an enum that is not `CaseIterable`, ...).
    public func schemaValidator(type: String, schemaVersion: Int) throws(CodecError) -> SchemaValidator {
        try entry(type, schemaVersion).validator.get()
    }

    /// The schema violations of a JSON payload of `type` at `schemaVersion`; empty when it is valid.
    ///
    /// - Parameter path: the JSON path of `payload` used in the messages, e.g. `$.data`.
    public func validate(
        _ payload: JSONValue,
        type: String,
        schemaVersion: Int,
        path: String = "$"
    ) throws(CodecError) -> [SchemaViolation] {
        try schemaValidator(type: type, schemaVersion: schemaVersion).validate(payload, path: path)
    }

    // MARK: Construction helpers

    private static func validator(_ type: any DomainEvent.Type) -> Result<SchemaValidator, CodecError> {
        do throws(CodecError) {
            return .success(try SchemaValidator(schema: try SchemaGenerator.schema(for: type)))
        } catch {
            return .failure(error)
        }
    }

    private static func currentEntry<T: DomainEvent>(_ type: T.Type) -> Entry {
        Entry(
            payloadType: T.self,
            isCurrent: true,
            decodeBinary: { bytes throws(CodecError) in
                if let fast = T.self as? any BinaryDecodableEvent.Type { return try fast.decodeEvent(binary: bytes) }
                return try BinaryEventDecoder().decodeEvent(T.self, from: bytes)
            },
            decodeJSON: { data throws(CodecError) in try fromJSON(T.self, data) },
            upcast: { event throws(CodecError) in event },
            validator: validator(T.self)
        )
    }

    private static func legacyEntry<U: Upcaster>(_ upcaster: U, chain: [Step]) -> Entry {
        let upcast: Step = { event throws(CodecError) in
            var value = event
            for step in chain { value = try step(value) }
            return value
        }
        return Entry(
            payloadType: U.Input.self,
            isCurrent: false,
            decodeBinary: { bytes throws(CodecError) in
                if let fast = U.Input.self as? any BinaryDecodableEvent.Type {
                    return try upcast(try fast.decodeEvent(binary: bytes))
                }
                return try upcast(try BinaryEventDecoder().decodeEvent(U.Input.self, from: bytes))
            },
            decodeJSON: { data throws(CodecError) in try upcast(try fromJSON(U.Input.self, data)) },
            upcast: upcast,
            validator: validator(U.Input.self)
        )
    }

    /// One upcaster, type-erased.
    struct UpcastStep {
        let eventType: String
        let fromVersion: Int
        let input: ObjectIdentifier
        let output: ObjectIdentifier
        let inputType: Any.Type
        let outputType: Any.Type
        let run: Step
    }

    private static func step<U: Upcaster>(_ upcaster: U) -> UpcastStep {
        precondition(
            U.Input.eventType == U.eventType && U.Output.eventType == U.eventType,
            "upcaster \(U.self) maps \(U.Input.self) ('\(U.Input.eventType)') to \(U.Output.self) "
                + "('\(U.Output.eventType)'); both must be '\(U.eventType)'"
        )
        precondition(
            U.Input.schemaVersion == U.fromVersion && U.Output.schemaVersion == U.fromVersion + 1,
            "upcaster \(U.self) must map v\(U.fromVersion) to v\(U.fromVersion + 1); its types are "
                + "v\(U.Input.schemaVersion) and v\(U.Output.schemaVersion)"
        )
        return UpcastStep(
            eventType: U.eventType,
            fromVersion: U.fromVersion,
            input: ObjectIdentifier(U.Input.self),
            output: ObjectIdentifier(U.Output.self),
            inputType: U.Input.self,
            outputType: U.Output.self,
            run: { event throws(CodecError) in
                guard let old = event as? U.Input else {
                    throw .malformed("upcaster \(U.self) expects \(U.Input.self), got \(type(of: event))")
                }
                return try upcaster.upcast(old)
            }
        )
    }
}

/// An open-addressing table from (type name, schema version) to payload type, hashed with `_hashBytes` over the
/// name's UTF-8 bytes: the registry's decode path finds its type without `Hasher` (SipHash) or reference counting.
/// A current payload type with a ``BinaryDecodableEvent`` conformance is kept as such, for the fast path.
final class _EventIndex: @unchecked Sendable {
    // @unchecked: every pointer is filled in `init` and only read afterwards; `deinit` frees them.
    private let slotCount: Int
    /// Per slot: entry index + 1, or 0 when empty.
    private let slots: UnsafeMutablePointer<Int32>
    private let entryCount: Int
    private let names: UnsafeMutablePointer<UnsafeMutableRawBufferPointer>
    private let versions: UnsafeMutablePointer<Int>
    private let types: UnsafeMutablePointer<any DomainEvent.Type>
    private let current: UnsafeMutablePointer<Bool>
    private let fast: UnsafeMutablePointer<(any BinaryDecodableEvent.Type)?>

    init(_ entries: [(name: String, version: Int, type: any DomainEvent.Type, isCurrent: Bool)]) {
        var slotCount = 16
        while slotCount < entries.count * 2 { slotCount *= 2 }
        self.slotCount = slotCount
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        entryCount = entries.count
        names = .allocate(capacity: entries.count)
        versions = .allocate(capacity: entries.count)
        types = .allocate(capacity: entries.count)
        current = .allocate(capacity: entries.count)
        fast = .allocate(capacity: entries.count)
        for (i, entry) in entries.enumerated() {
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: entry.name.utf8.count, alignment: 1)
            bytes.copyBytes(from: entry.name.utf8)
            (names + i).initialize(to: bytes)
            (versions + i).initialize(to: entry.version)
            (types + i).initialize(to: entry.type)
            (current + i).initialize(to: entry.isCurrent)
            (fast + i).initialize(to: entry.isCurrent ? entry.type as? any BinaryDecodableEvent.Type : nil)
            var slot = _EventIndex.hash(UnsafeRawBufferPointer(bytes), entry.version) & (slotCount - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (slotCount - 1) }
            slots[slot] = Int32(i + 1)
        }
    }

    deinit {
        for i in 0..<entryCount { names[i].deallocate() }
        names.deinitialize(count: entryCount).deallocate()
        versions.deinitialize(count: entryCount).deallocate()
        types.deinitialize(count: entryCount).deallocate()
        current.deinitialize(count: entryCount).deallocate()
        fast.deinitialize(count: entryCount).deallocate()
        slots.deinitialize(count: slotCount).deallocate()
    }

    @inline(__always)
    private static func hash(_ name: UnsafeRawBufferPointer, _ version: Int) -> Int {
        _hashBytes(name, seed: UInt64(truncatingIfNeeded: version))
    }

    /// The entry of `name` at `version`, or `nil`.
    @inline(__always)
    func slot(of name: String, version: Int) -> Int? {
        if let found = name.utf8.withContiguousStorageIfAvailable({ find(UnsafeRawBufferPointer($0), version) }) {
            return found
        }
        return Array(name.utf8).withUnsafeBytes { find($0, version) }
    }

    private func find(_ name: UnsafeRawBufferPointer, _ version: Int) -> Int? {
        var slot = _EventIndex.hash(name, version) & (slotCount - 1)
        while true {
            let entry = Int(slots[slot]) - 1
            guard entry >= 0 else { return nil }
            if versions[entry] == version && names[entry].count == name.count
                && (name.isEmpty || memcmp(names[entry].baseAddress!, name.baseAddress!, name.count) == 0)
            {
                return entry
            }
            slot = (slot + 1) & (slotCount - 1)
        }
    }

    @inline(__always)
    func isCurrent(_ entry: Int) -> Bool { current[entry] }

    @inline(__always)
    func payloadType(_ entry: Int) -> any DomainEvent.Type { types[entry] }

    /// The payload type of a current entry when it decodes without the `Decoder` path.
    @inline(__always)
    func binaryDecodable(_ entry: Int) -> (any BinaryDecodableEvent.Type)? { fast[entry] }
}
