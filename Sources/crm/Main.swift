import ArgumentParser
import CRMEventLog
import Foundation

/// Entry point: parses, runs, and turns every error into one line on stderr and a non-zero exit code.
@main
enum Main {
    static func main() async {
        do {
            var command = try CRMCommand.parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            exit(report(error))
        }
    }

    /// Prints `error` and returns the exit code.
    static func report(_ error: any Error) -> Int32 {
        let code: Int32
        let line: String
        switch error {
        case let e as CLIError:
            code = e.exitCode
            line = e.description
        case let e as EventLogError:
            code = 2
            line = e.description
        default:
            let exit = CRMCommand.exitCode(for: error)
            if exit == .success {
                print(CRMCommand.fullMessage(for: error))
                return 0
            }
            code = exit.rawValue == 0 ? 1 : exit.rawValue
            line = CRMCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
        FileHandle.standardError.write(Data("crm: error: \(line)\n".utf8))
        return code
    }
}
