// swift-tools-version: 6.2
// 6.2 is the first tools version that accepts the unsafe `-fopenmp` flag in a
// package that others depend on by version, so embedding stays possible.
import PackageDescription

let package = Package(
    name: "swift-ann",
    products: [
        .library(name: "ANN", targets: ["ANN"]),
        // The commands of `ann`, for front ends that run them elsewhere (MPI/'s ann-mpi).
        .library(name: "ANNCommandLine", targets: ["ANNCommandLine"]),
        .executable(name: "ann", targets: ["ann"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation` (scripts/build-docs); a plugin
        // only, nothing of it is linked into the products.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "CANNKernels",
            cSettings: [
                // The kernels are always optimised, even in debug builds, so that
                // debug test runs train at a usable speed. No -ffast-math: the
                // reference comparisons and the gradient checks rely on IEEE rules.
                .unsafeFlags(["-fopenmp", "-O3", "-fno-math-errno"]),
            ],
            linkerSettings: [
                // LLVM's OpenMP runtime (Debian: libomp-dev), not GCC's libgomp.
                .linkedLibrary("omp5", .when(platforms: [.linux])),
                .linkedLibrary("omp", .when(platforms: [.macOS])),
            ]
        ),
        // Naive twins of the kernels, for the tests to hold the fast ones to;
        // no product ships them.
        .target(name: "CANNReference", dependencies: ["CANNKernels"]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "ANN",
            dependencies: ["CANNKernels", "CZlib"]
        ),
        .target(
            name: "ANNCommandLine",
            dependencies: [
                "ANN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ann", dependencies: ["ANNCommandLine"]),
        // libFuzzer targets for the file readers (scripts/fuzz builds them with
        // -DFUZZING -sanitize=fuzzer); a normal build makes them replay tools
        // that run saved inputs: `ann-fuzz-idx FILE...`. ann-fuzz-tables reads
        // .npy and CSV.
        .target(name: "_ANNFuzzReplay"),
        .executableTarget(name: "ann-fuzz-idx", dependencies: ["ANN", "_ANNFuzzReplay"]),
        .executableTarget(name: "ann-fuzz-safetensors", dependencies: ["ANN", "_ANNFuzzReplay"]),
        .executableTarget(name: "ann-fuzz-tables", dependencies: ["ANN", "_ANNFuzzReplay"]),
        // A small program that embeds the library on a non-MNIST problem.
        .executableTarget(name: "spirals", dependencies: ["ANN"]),
        .testTarget(
            name: "ANNTests",
            dependencies: ["ANN", "CANNKernels", "CANNReference", "CZlib", "ann", "spirals"]
        ),
    ]
)
