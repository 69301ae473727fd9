// swift-tools-version: 6.1
import PackageDescription

// A separate package so the root build never pays for the benchmark dependency (swift-style §3.5).
// Run from this folder: `swift run -c release crm-bench` (figures beside a raw-LMDB baseline) and
// `swift package benchmark` (ordo-one suites; CI gates only on allocation counts).
let package = Package(
    name: "crm-engine-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "crm-engine", path: ".."),  // name: pins identity regardless of the checkout folder name
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "EventLogBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CRMEngine", package: "crm-engine"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/EventLogBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "crm-bench",
            dependencies: [
                .product(name: "CRMEngine", package: "crm-engine"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/crm-bench"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// `LOCAL_TESTING=1 swift package benchmark` adds wall-clock and throughput metrics (never gated in CI).
let localTesting: [SwiftSetting] = Context.environment["LOCAL_TESTING"] != nil ? [.define("LOCAL_TESTING")] : []

for target in package.targets {
    target.swiftSettings =
        (target.swiftSettings ?? []) + localTesting + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
            .enableUpcomingFeature("InternalImportsByDefault"),
        ]
}
