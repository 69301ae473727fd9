// One `import CRMEngine` gives a service the whole library: the log contract, the LMDB log, the domain and the
// projections (hummingbird's `Exports.swift` pattern).
@_exported public import CRMDomain
@_exported public import CRMEventLog
@_exported public import CRMProjections
@_exported public import CRMStorageLMDB
