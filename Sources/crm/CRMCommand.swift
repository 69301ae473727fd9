import ArgumentParser

/// `crm`: the command-line tool over CRM Engine. Thin: all behaviour lives in the libraries.
struct CRMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm",
        abstract: "CRM Engine: an event-sourced CRM on an embedded LMDB event log.",
        subcommands: [DemoCommand.self, LogCommand.self, SchemasCommand.self]
    )
}
