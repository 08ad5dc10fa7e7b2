// swift-tools-version: 6.2
// Training across processes with Open MPI: a package of its own, so that
// swift-ann and `ann` build on machines without MPI. It depends on swift-ann
// by path and on the system's MPI (Debian: libopenmpi-dev, openmpi-bin;
// scripts/install-deps installs them).
//
//     swift build -c release --package-path MPI
//     mpirun -np 2 MPI/.build/release/ann-mpi train --threads 1
import PackageDescription

let package = Package(
    name: "swift-ann-mpi",
    products: [
        .library(name: "ANNMPI", targets: ["ANNMPI"]),
        .executable(name: "ann-mpi", targets: ["ann-mpi"]),
    ],
    dependencies: [
        .package(name: "swift-ann", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .target(name: "ANNMPI", dependencies: ["CMPI", .product(name: "ANN", package: "swift-ann")]),
        .executableTarget(
            name: "ann-mpi",
            dependencies: [
                "ANNMPI",
                .product(name: "ANNCommandLine", package: "swift-ann"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ]
)
