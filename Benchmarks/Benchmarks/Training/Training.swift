// Whole training steps through the public API, per thread count: one
// iteration is `Trainer.train(on:)` over a synthetic data set of random
// 784-byte samples (default network 784-256-128-10, batch 64, 1 epoch), so
// 6,400 samples are 100 SGD steps and 12,800 are 200.
//
// Heap allocations per step: `train(on:)` allocates a fixed amount per call
// (the sample order, the report, the summary's copy of the weights), so
//     (mallocCountTotal at 200 steps − mallocCountTotal at 100 steps) / 100
// is what each step allocates. The target is 0, and CI checks it: the
// "allocations_…" benchmarks count only mallocs, and scripts/check-allocations
// holds them to Benchmarks/Thresholds, where the 100- and 200-step counts of
// each thread count are equal.
import ANN
import Benchmark
import Foundation

private let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)

/// `count` samples of uniformly random bytes with labels 0…9, from a fixed generator.
private func syntheticDataset(count: Int, seed: UInt64) throws -> LabeledDataset {
    var generator = SeededGenerator(seed: seed)
    func next() -> UInt64 { generator.next() }
    let features = 784
    var pixels = [UInt8](repeating: 0, count: count * features)
    pixels.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for i in 0..<words.count { words[i] = next() }
    }
    let labels = (0..<count).map { _ in UInt8(next() % 10) }
    return try LabeledDataset(pixels: pixels, labels: labels, featureCount: features, imageShape: [28, 28])
}

let benchmarks: @Sendable () -> Void = {
    let batchSize = 64
    let stepCounts = [100, 200]
    let architecture = try! NetworkArchitecture(layerSizes: [784, 256, 128, 10])
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let threadCounts = Array(Set([1, 2, cores])).sorted()

    let datasets: [Int: LabeledDataset]
    do {
        datasets = try Dictionary(uniqueKeysWithValues: stepCounts.map { steps in
            (steps, try syntheticDataset(count: steps * batchSize, seed: UInt64(steps)))
        })
    } catch {
        fatalError("synthetic data set: \(error)")
    }

    // Thread counts above 1 run both ways of spreading a step: one shard
    // with OpenMP inside the kernels, and a shard per thread on
    // concurrentPerform workers.
    let variants: [(threads: Int, shards: Int)] = threadCounts.flatMap { threads in
        threads == 1 ? [(1, 1)] : [(threads, 1), (threads, threads)]
    }

    func settings(threads: Int, shards: Int) -> TrainingConfiguration {
        var settings = TrainingConfiguration()
        settings.threads = threads
        settings.shards = shards
        settings.batchSize = batchSize
        settings.epochs = 1
        return settings
    }
    let network = Network(architecture: architecture, seed: 1)

    // What CI checks: a step allocates nothing, either way. A run's
    // fixed allocations may move by a block or two with the machine; one
    // per step would add 100.
    for (threads, shards) in [(1, 1), (2, 1), (2, 2)] {
        for steps in stepCounts {
            guard let data = datasets[steps] else { continue }
            let settings = settings(threads: threads, shards: shards)
            Benchmark(
                "allocations_\(steps)_steps_\(threads)_threads_\(shards)_shards",
                configuration: .init(
                    metrics: [.mallocCountTotal], units: [.mallocCountTotal: .count], warmupIterations: 1,
                    scalingFactor: .one, maxDuration: .seconds(2), maxIterations: 5,
                    thresholds: [.mallocCountTotal: .init(absolute: [.p90: 4])])
            ) { benchmark in
                let trainers = benchmark.scaledIterations.map { _ in
                    try! Trainer(network: network, configuration: settings)
                }
                benchmark.startMeasurement()
                for trainer in trainers { blackHole(try? trainer.train(on: data)) }
                benchmark.stopMeasurement()
            }
        }
    }

    for (threads, shards) in variants {
        for steps in stepCounts {
            guard let data = datasets[steps] else { continue }
            let settings = settings(threads: threads, shards: shards)
            do {
                _ = try Trainer(network: network, configuration: settings)  // fail here, not mid-run
            } catch {
                fatalError("trainer: \(error)")
            }
            Benchmark(
                "train \(steps) steps",
                configuration: .init(
                    metrics: [.wallClock, .throughput, .mallocCountTotal, .cpuTotal, samplesPerSecond],
                    tags: ["threads": String(threads), "shards": String(shards), "batch": String(batchSize)],
                    units: [.mallocCountTotal: .count],  // exact counts: the 200 − 100 step difference matters
                    warmupIterations: 1,
                    scalingFactor: .one,
                    maxDuration: .seconds(3),
                    maxIterations: 50
                )
            ) { benchmark in
                // A fresh trainer per iteration, made before the measurement
                // starts: a trainer runs its configured epochs once (a second
                // `train` call resumes after the last epoch, i.e. does nothing).
                let trainers = benchmark.scaledIterations.map { _ in
                    try! Trainer(network: network, configuration: settings)
                }
                let clock = ContinuousClock()
                benchmark.startMeasurement()
                let start = clock.now
                for trainer in trainers {
                    do {
                        blackHole(try trainer.train(on: data))
                    } catch {
                        fatalError("training failed: \(error)")
                    }
                }
                benchmark.stopMeasurement()
                let elapsed = clock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                let samples = Double(data.count * benchmark.scaledIterations.count)
                benchmark.measurement(samplesPerSecond, Int((samples / max(seconds, 1e-12)).rounded()))
                blackHole(trainers)
            }
        }
    }
}
