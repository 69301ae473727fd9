import CRMDomain
import Foundation
import Testing

/// The whole catalogue against its schemas and fixtures: every type has a schema, every fixture line of
/// `Fixtures/events/*.jsonl` validates and round-trips through both codecs, and `Schemas/` matches the generator.
@Suite struct CatalogFixtureTests {
    let registry = EventCatalog.registry

    private func files(in folder: String, suffix: String) throws -> [URL] {
        let url = CodecTestSupport.url(folder)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.hasSuffix(suffix) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func everyCatalogTypeHasASchema() throws {
        #expect(registry.eventTypeNames.count == EventCatalog.eventTypes.count, "each catalogue type is listed once")
        for type in registry.payloadTypes {
            let schema = try SchemaGenerator.schema(for: type)
            #expect(schema["title"] == .string(type.eventType))
            #expect(schema["x-schemaVersion"] == .integer(Int64(type.schemaVersion)))
            #expect(schema["$id"] == .string(SchemaGenerator.idPrefix + SchemaGenerator.fileName(for: type)))
            #expect(schema["additionalProperties"] == .bool(false))
            _ = try registry.schemaValidator(type: type.eventType, schemaVersion: type.schemaVersion)
        }
    }

    @Test func everyFixtureLineValidatesAndRoundTripsThroughBothCodecs() throws {
        var lines = 0
        let fixtureFiles = try files(in: "Fixtures/events", suffix: ".jsonl")
        for file in fixtureFiles {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                let place = "\(file.lastPathComponent):\(index + 1)"
                try checkLine(String(line), place)
                lines += 1
            }
        }
        #expect(fixtureFiles.isEmpty || lines > 0, "the fixture files hold no lines")
        print("checked \(lines) fixture lines in \(fixtureFiles.count) files")
    }

    private func checkLine(_ line: String, _ place: String) throws {
        let envelope = try JSONValue.parse(line)
        guard case .string(let type)? = envelope["type"], case .integer(let version)? = envelope["schemaVersion"],
            case .string(let stream)? = envelope["stream"], let data = envelope["data"]
        else {
            Issue.record("\(place): expected {\"type\",\"schemaVersion\",\"stream\",\"data\"}")
            return
        }
        #expect(
            registry.isKnown(type: type, schemaVersion: Int(version)),
            "\(place): unknown event type \(type) v\(version)"
        )
        guard registry.isKnown(type: type, schemaVersion: Int(version)) else { return }
        #expect(StreamRef(name: stream) != nil, "\(place): stream '\(stream)' is not category-key")

        let violations = try registry.validate(data, type: type, schemaVersion: Int(version), path: "$.data")
        #expect(violations.isEmpty, "\(place): \(violations.map(\.description).joined(separator: "; "))")

        let dataBytes = Array(data.rendered().utf8)
        let event = try registry.decodeJSON(type: type, schemaVersion: Int(version), data: dataBytes)
        #expect(event.eventType == type)
        let json = try registry.encodeJSON(event)
        if Int(version) == registry.currentVersion(of: type) {
            #expect(
                try JSONValue.parse(json) == data.removingNullMembers,
                "\(place): JSON → value → JSON changed the payload to \(CodecTestSupport.text(json))"
            )
        }
        let binary = try registry.encodeBinary(event)
        let current = try #require(registry.currentVersion(of: type))
        let back = try registry.decode(type: type, schemaVersion: current, binary: binary)
        #expect(CodecTestSupport.same(back, event), "\(place): binary round trip changed the value")
        #expect(try registry.encodeJSON(back) == json, "\(place): JSON differs after the binary round trip")
    }

    @Test func committedSchemaFilesMatchTheGenerator() throws {
        let schemaFiles = try files(in: "Schemas", suffix: ".schema.json")
        for file in schemaFiles {
            let name = file.lastPathComponent
            let parts = name.dropLast(".schema.json".count).split(separator: ".")
            let version = parts.count == 2 && parts[1].hasPrefix("v") ? Int(parts[1].dropFirst()) : nil
            let type = try #require(
                version.flatMap { registry.payloadType(of: String(parts[0]), schemaVersion: $0) },
                "\(name) is not <registered type>.v<version>.schema.json"
            )
            #expect(
                try String(contentsOf: file, encoding: .utf8) == (try SchemaGenerator.render(type)),
                "\(name) is stale"
            )
        }
        if !schemaFiles.isEmpty {
            let expected = try SchemaGenerator.files(for: registry).map(\.fileName)
            #expect(
                schemaFiles.map(\.lastPathComponent) == expected,
                "Schemas/ has exactly one file per payload version"
            )
        }
    }
}
