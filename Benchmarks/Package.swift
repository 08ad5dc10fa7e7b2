// swift-tools-version: 6.2
// Benchmarks for swift-ann, kept in their own package so that the library and
// its CI never build package-benchmark. Run from this folder:
//   swift package --allow-writing-to-package-directory benchmark
// (see README.md beside this file).
import PackageDescription

let package = Package(
    name: "swift-ann-benchmarks",
    dependencies: [
        .package(name: "swift-ann", path: ".."),
        // The malloc counters (mallocCountTotal, …) come from the
        // MallocInterposer trait; naming the trait explicitly also leaves out
        // the Swift 6.3 ARC runtime interposer, which this machine's package
        // mirror does not carry.
        .package(
            url: "https://github.com/ordo-one/benchmark", from: "1.38.1",
            traits: ["MallocInterposer"]),
    ],
    targets: [
        // Each C kernel at the default network's shapes.
        .executableTarget(
            name: "Kernels",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                // CANNKernels is not a product of swift-ann; its module comes
                // along with ANN, which re-exports nothing but imports it.
                .product(name: "ANN", package: "swift-ann"),
            ],
            path: "Benchmarks/Kernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Whole training steps through the public Trainer API, per thread count.
        .executableTarget(
            name: "Training",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ANN", package: "swift-ann"),
            ],
            path: "Benchmarks/Training",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
