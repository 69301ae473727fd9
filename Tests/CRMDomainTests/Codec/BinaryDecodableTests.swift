import Foundation
import Testing

@testable import CRMDomain

/// The fast binary decode path (``BinaryDecodable``, generated conformances) against the `Decoder` path
/// (`BinaryEventDecoder`, each type's `init(from:)`): same values from good bytes, same typed errors from bad
/// ones, for every event of the fixtures; and the generated file against the types.
@Suite struct BinaryDecodableTests {
    let registry = EventCatalog.registry

    // MARK: Generated code

    /// Fails when `BinaryDecodable+Generated.swift` no longer matches the types; `CRM_REGENERATE=1` rewrites it.
    @Test func generatedConformancesMatchTheTypes() throws {
        let url = CodecTestSupport.url(BinaryDecodableGenerator.outputPath)
        let generated = BinaryDecodableGenerator.source(for: registry)
        if ProcessInfo.processInfo.environment["CRM_REGENERATE"] == "1" {
            try Data(generated.utf8).write(to: url)
            return
        }
        let committed = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        guard committed != generated else { return }
        let old = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let new = generated.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(old, new)).firstIndex { $0 != $1 } ?? min(old.count, new.count)
        Issue.record(
            """
            \(BinaryDecodableGenerator.outputPath) is out of date (first difference at line \(line + 1): \
            committed '\(line < old.count ? old[line] : "")', generated '\(line < new.count ? new[line] : "")'). \
            Regenerate it: CRM_REGENERATE=1 swift test --filter BinaryDecodableTests
            """
        )
    }

    @Test func everyPayloadTypeHasTheFastPath() {
        for type in registry.payloadTypes {
            #expect(type is any BinaryDecodableEvent.Type, "\(type) decodes only through the Decoder path")
        }
    }

    /// The generator sees the order and types of what an `init(from:)` reads, not checks or transformations it
    /// makes, so only the hand-written conformances may stand for custom `Codable` code.
    @Test func onlyTheHandWrittenTypesHaveCustomCodableCode() throws {
        let root = CodecTestSupport.url("Sources/CRMDomain")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        var custom: [String] = []
        for case let file as URL in files where file.pathExtension == "swift" {
            let relative = String(file.path.dropFirst(root.path.count + 1))
            guard !relative.hasPrefix("Codec/") else { continue }  // the codecs themselves
            let text = try String(contentsOf: file, encoding: .utf8)
            if text.contains("init(from decoder") || text.contains("CodingKeys") { custom.append(relative) }
        }
        // ID, Timestamp, LocalDate and Period: each is in `BinaryDecodableGenerator.handWritten`.
        #expect(custom == ["Core/Primitives.swift"], "custom Codable code outside the hand-written types: \(custom)")
    }

    // MARK: Same values, same errors

    /// Every fixture event and the organisation samples, as (type name, current version, binary payload).
    private func payloads() throws -> [(type: String, version: Int, bytes: [UInt8])] {
        var events = CodecTestSupport.organisationEvents
        let folder = CodecTestSupport.url("Fixtures/events")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where file.hasSuffix(".jsonl") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where !line.isEmpty {
                let envelope = try JSONValue.parse(String(line))
                guard case .string(let type)? = envelope["type"],
                    case .integer(let version)? = envelope["schemaVersion"],
                    let data = envelope["data"]
                else { continue }
                events.append(
                    try registry.decodeJSON(type: type, schemaVersion: Int(version), data: Array(data.rendered().utf8))
                )
            }
        }
        return try events.map { event in
            (
                event.eventType, try #require(registry.currentVersion(of: event.eventType)),
                try registry.encodeBinary(event)
            )
        }
    }

    /// The result of the `Decoder` path: `BinaryEventDecoder` on the payload type.
    private func decodeGeneric(_ type: String, _ version: Int, _ bytes: [UInt8]) throws -> Result<
        AnyHashable, CodecError
    > {
        let payloadType = try #require(registry.payloadType(of: type, schemaVersion: version))
        func open<E: DomainEvent>(_ type: E.Type) -> Result<AnyHashable, CodecError> {
            Result { () throws(CodecError) in AnyHashable(try BinaryEventDecoder().decode(E.self, from: bytes)) }
        }
        return open(payloadType)
    }

    /// The result of the registry's decode, which takes the fast path.
    private func decodeFast(_ type: String, _ version: Int, _ bytes: [UInt8]) -> Result<AnyHashable, CodecError> {
        Result { () throws(CodecError) in
            AnyHashable(try registry.decode(type: type, schemaVersion: version, binary: bytes))
        }
    }

    @Test func everyFixtureEventDecodesToTheSameValueOnBothPaths() throws {
        let payloads = try payloads()
        #expect(payloads.count >= EventCatalog.eventTypes.count)
        var types: Set<String> = []
        for (type, version, bytes) in payloads {
            let fast = decodeFast(type, version, bytes)
            #expect(fast == (try decodeGeneric(type, version, bytes)), "\(type)")
            #expect((try? fast.get()) != nil, "\(type): \(fast)")
            types.insert(type)
        }
        #expect(types.count == EventCatalog.eventTypes.count, "a fixture for every event type")
    }

    /// Every truncation, a trailing byte, and every byte replaced by values that make bad presence bytes, bad
    /// booleans, bad lengths, bad UTF-8 and bad enum names: the fast path gives the same value or the same error.
    @Test func damagedBytesGiveTheSameResultOnBothPaths() throws {
        var compared = 0
        var errors = 0
        for (type, version, bytes) in try payloads() {
            var variants: [[UInt8]] = (0..<bytes.count).map { Array(bytes[..<$0]) }
            variants.append(bytes + [0])
            for i in bytes.indices {
                for value: UInt8 in [0, 1, 2, 0x41, 0x7F, 0x80, 0xC0, 0xFF] where value != bytes[i] {
                    var damaged = bytes
                    damaged[i] = value
                    variants.append(damaged)
                }
            }
            for variant in variants {
                let fast = decodeFast(type, version, variant)
                let generic = try decodeGeneric(type, version, variant)
                #expect(fast == generic, "\(type) \(variant): fast \(fast), generic \(generic)")
                if case .failure = fast { errors += 1 }
                compared += 1
            }
        }
        #expect(errors > 0 && errors < compared)
    }

    @Test func theLegacyPayloadDecodesToTheSameValueOnBothPaths() throws {
        let v1 = try JSONDecoder().decode(
            UserOnboardedV1.self,
            from: try Data(contentsOf: CodecTestSupport.url("Fixtures/upcasters/UserOnboarded.v1.json"))
        )
        let bytes = try BinaryEventEncoder().encode(v1)
        #expect(registry.payloadType(of: "UserOnboarded", schemaVersion: 1) is any BinaryDecodableEvent.Type)
        let fast = try registry.decode(type: "UserOnboarded", schemaVersion: 1, binary: bytes)
        let generic = try registry.upcast(try BinaryEventDecoder().decode(UserOnboardedV1.self, from: bytes))
        #expect(CodecTestSupport.same(fast, generic))
        for length in 0..<bytes.count {
            let error = CodecTestSupport.codecError {
                _ = try registry.decode(type: "UserOnboarded", schemaVersion: 1, binary: Array(bytes[..<length]))
            }
            #expect(error?.isTruncated == true)
        }
    }

    // MARK: Typed errors

    private func error(_ event: some DomainEvent, _ damage: (inout [UInt8]) -> Void) throws -> CodecError? {
        var bytes = try registry.encodeBinary(event)
        damage(&bytes)
        let version = type(of: event).schemaVersion
        return CodecTestSupport.codecError {
            _ = try registry.decode(type: event.eventType, schemaVersion: version, binary: bytes)
        }
    }

    @Test func badBytesGetTheSameTypedErrors() throws {
        let department = DepartmentDefined(deptId: ID(10), parentDeptId: nil, name: "HQ", managerUserId: nil)
        // deptId: 16 bytes; parentDeptId: presence byte 0; name: length 2, "HQ"; managerUserId: presence byte 0.
        #expect(try error(department) { $0.removeLast() } == .truncated(needed: 1, available: 0))
        #expect(try error(department) { $0.removeLast(10) } == .truncated(needed: 16, available: 11))
        #expect(
            try error(department) { $0.append(0) }
                == .malformed("1 bytes left over after decoding DepartmentDefined")
        )
        #expect(try error(department) { $0[16] = 2 } == .malformed("presence byte 2 is neither 0 nor 1"))
        #expect(try error(department) { $0[20] = 0xFF } == .malformed("presence byte 255 is neither 0 nor 1"))
        #expect(try error(department) { $0[18] = 0xC3 } == .malformed("string is not valid UTF-8"))
        #expect(try error(department) { $0[17] = 9 } == .truncated(needed: 9, available: 3))

        let role = RoleDefined(
            roleId: ID(101),
            name: "Admin",
            objectPermissions: [],
            dataScope: .all,
            systemLocked: true
        )
        // roleId: 16 bytes; name: 1 + 5; objectPermissions: count 0; dataScope: length 3, "all"; systemLocked: 1.
        #expect(try error(role) { $0[$0.count - 1] = 2 } == .malformed("boolean byte 2 is neither 0 nor 1"))
        #expect(try error(role) { $0[24] = UInt8(ascii: "x") } == .malformed("'xll' is not a case of DataScope"))
        #expect(try error(role) { $0[22] = 0x7F } == .truncated(needed: 127, available: 5))
    }
}
