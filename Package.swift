// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "crm-engine",
    platforms: [.macOS(.v15)],  // Linux first; macOS 15 for Synchronization.Mutex
    products: [
        .library(name: "CRMEngine", targets: ["CRMEngine"]),
        .library(name: "CRMTestSupport", targets: ["CRMTestSupport"]),
        .executable(name: "crm", targets: ["crm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // MARK: - C
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"]), .brew(["lmdb"])]
        ),
        // MARK: - Libraries
        .target(
            name: "CRMEventLog",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "CRMStorageLMDB",
            dependencies: [
                "CRMEventLog", "CLMDB",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(name: "CRMDomain"),
        .target(name: "CRMProjections", dependencies: ["CRMDomain", "CRMEventLog"]),
        .target(
            name: "CRMEngine",
            dependencies: [
                "CRMDomain", "CRMEventLog", "CRMProjections", "CRMStorageLMDB",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CRMTestSupport",
            dependencies: ["CRMDomain", "CRMEventLog", "CRMProjections", "CRMEngine", "CRMStorageLMDB"]
        ),
        // MARK: - Executables
        .executableTarget(
            name: "crm",
            dependencies: [
                "CRMEngine", "CRMEventLog", "CRMTestSupport", "CRMStorageLMDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MARK: - Tests (one per module)
        .testTarget(
            name: "CRMEventLogTests",
            dependencies: ["CRMEventLog", "CRMStorageLMDB", "CRMTestSupport"]
        ),
        .testTarget(
            name: "CRMStorageLMDBTests",
            dependencies: [
                "CRMStorageLMDB", "CRMEventLog", "CRMTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "CRMDomainTests", dependencies: ["CRMDomain", "CRMTestSupport"]),
        .testTarget(name: "CRMEngineTests", dependencies: ["CRMEngine", "CRMTestSupport"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["crm", "CRMTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Shared settings, applied the way apple/swift-log and apple/swift-metrics do it.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
            .enableUpcomingFeature("InternalImportsByDefault"),
        ]
}
