import Foundation

/// Runs the real `crm` executable built next to the test bundle.
enum CLIRunner {
    /// `crm` in the build directory of the running test binary.
    static var executable: URL {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = me.deletingLastPathComponent()
        // macOS runs tests inside an .xctest bundle: walk up to the build products directory.
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("crm")
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `crm` with `arguments` to completion.
    static func run(_ arguments: [String], cwd: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(
            status: p.terminationStatus,
            stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self)
        )
    }

    /// Starts `crm` with stdout going to `stdoutFile`.
    static func start(_ arguments: [String], stdoutFile: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: stdoutFile, contents: nil)
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutFile))
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }
}

func makeTempDir(_ label: String) -> String {
    let p = FileManager.default.temporaryDirectory.appendingPathComponent("crm-\(label)-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}
