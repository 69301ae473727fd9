import ArgumentParser
import CRMEngine
import Foundation

/// `crm schemas`: writes the JSON Schema of every event type and schema version (`Schemas/` in the repository).
struct SchemasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemas",
        abstract: "Write one JSON Schema per event type and schema version (<Type>.v<N>.schema.json)."
    )

    @Option(name: .shortAndLong, help: "The folder to write into (created if missing).")
    var output: String = "Schemas"

    @Flag(help: "Only check that the folder matches the catalogue; exit 1 naming the first difference.")
    var check = false

    func run() async throws {
        let files = try SchemaGenerator.files(for: EventCatalog.registry)
        let fm = FileManager.default
        if check {
            let expected = Set(files.map(\.fileName))
            let present = Set(
                ((try? fm.contentsOfDirectory(atPath: output)) ?? []).filter { $0.hasSuffix(".schema.json") }
            )
            if let extra = present.subtracting(expected).sorted().first {
                throw CLIError("\(output)/\(extra) has no event type in the catalogue", exitCode: 1)
            }
            for f in files {
                let path = output + "/" + f.fileName
                guard let data = fm.contents(atPath: path) else { throw CLIError("\(path) is missing", exitCode: 1) }
                guard String(decoding: data, as: UTF8.self) == f.contents else {
                    throw CLIError("\(path) differs from the catalogue; run 'crm schemas -o \(output)'", exitCode: 1)
                }
            }
            print("ok: \(files.count) schemas match the catalogue")
            return
        }
        try fm.createDirectory(atPath: output, withIntermediateDirectories: true)
        for f in files {
            try Data(f.contents.utf8).write(to: URL(fileURLWithPath: output + "/" + f.fileName))
        }
        print("wrote \(files.count) schemas to \(output)/")
    }
}
