// Each C kernel of swift-ann at the shapes of the default network
// (784-256-128-10, ReLU, softmax cross-entropy) and the default batch of 64:
// B = 64 is a whole minibatch on one shard (1 thread), B = 32 is one shard of
// a 2-thread step. Kernels run single-threaded (`threads: 1`), as they do
// inside a sharded step.
//
// Besides wallClock and throughput (kernel calls per second), every benchmark
// reports a rate of useful work, computed from its own clock around the inner
// loop: `MFLOP/s` for the dense kernels (the name gives FLOPs per call:
// 2·B·in·out forward, 2·B·in·out for dW plus 2·B·in·out for dX backward) and
// `MB/s` of compulsory memory traffic for the elementwise kernels.
import ANN
import Benchmark
import CANNKernels

/// A rate metric, larger is better, not scaled by the inner loop.
private func rateMetric(_ name: String) -> BenchmarkMetric {
    .custom(name, polarity: .prefersLarger, useScalingFactor: false)
}

private let megaflops = rateMetric("MFLOP/s")
private let megabytes = rateMetric("MB/s")

/// Runs `body` for each of the benchmark's scaled iterations and records
/// `work` (FLOPs or bytes per call) times the calls over the elapsed time, in millions per second.
private func measure(_ benchmark: Benchmark, work: Double, as metric: BenchmarkMetric, _ body: () -> Void) {
    let clock = ContinuousClock()
    let start = clock.now
    for _ in benchmark.scaledIterations { body() }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let calls = Double(benchmark.scaledIterations.count)
    benchmark.measurement(metric, Int((work * calls / max(seconds, 1e-12) / 1e6).rounded()))
}

/// A 64-byte aligned buffer of `count` floats filled with uniform values in
/// `range`, from a fixed generator; never freed (benchmarks live for the process).
private func buffer(_ count: Int, _ range: ClosedRange<Float> = -1...1, seed: inout UInt64) -> UnsafeMutablePointer<Float> {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
    let p = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    for i in 0..<count {
        // SplitMix64
        seed &+= 0x9E37_79B9_7F4A_7C15
        var z = seed
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let unit = Float(z >> 40) / Float(1 << 24)
        p[i] = range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }
    return p
}

private func mflop(_ flops: Double) -> String {
    let value = flops / 1e6
    return value >= 10 ? String(Int(value.rounded())) : String((value * 100).rounded() / 100)
}

let benchmarks: @Sendable () -> Void = {
    var seed: UInt64 = 1
    let layerSizes = [784, 256, 128, 10]
    let parameterCount = zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }  // 235,146
    let batches = [64, 32]

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        units: [.mallocCountTotal: .count],
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(1),
        maxIterations: 1_000_000
    )

    // MARK: Dense layers

    // Layers run as in training: ReLU fused into the hidden layers' forward
    // pass, and the ReLU slope of the layer below fused into dX.
    let relu = Int32(ANN_RELU)

    for b in batches {
        for (layer, (inputs, outputs)) in zip(layerSizes, layerSizes.dropFirst()).enumerated() {
            let hidden = layer + 2 < layerSizes.count  // has a ReLU after it
            let firstLayer = layer == 0
            // Pixels for the first layer; ReLU outputs (about half zeros) above it.
            let x = buffer(b * inputs, firstLayer ? 0...1 : -1...1, seed: &seed)
            if !firstLayer { for i in 0..<(b * inputs) { x[i] = max(x[i], 0) } }
            let w = buffer(outputs * inputs, -0.1...0.1, seed: &seed)
            let bias = buffer(outputs, seed: &seed)
            let y = buffer(b * outputs, seed: &seed)
            let dy = buffer(b * outputs, -0.01...0.01, seed: &seed)
            let dw = buffer(outputs * inputs, seed: &seed)
            let db = buffer(outputs, seed: &seed)
            let dx = buffer(b * inputs, seed: &seed)
            let shape = "\(inputs)x\(outputs) B\(b)"
            let config = Benchmark.Configuration(
                metrics: [.wallClock, .throughput, .mallocCountTotal, megaflops],
                units: [.mallocCountTotal: .count],
                scalingFactor: inputs * outputs * b >= 1 << 20 ? .one : .kilo)

            let forwardFlops = 2.0 * Double(b * inputs * outputs)
            let activation: Int32 = hidden ? relu : 0
            let forwardName = "ann_dense_forward \(shape)\(activation == relu ? " +relu" : "") [\(mflop(forwardFlops)) MFLOP/call]"
            Benchmark(forwardName, configuration: config) { benchmark in
                measure(benchmark, work: forwardFlops, as: megaflops) {
                    ann_dense_forward(y, x, w, bias, Int32(b), Int32(inputs), Int32(outputs), activation, 1)
                }
            }

            // As in training: the first layer's input gradient is never needed.
            let withInputGradient = !firstLayer
            let inputActivation: Int32 = withInputGradient ? relu : 0
            let backwardFlops = (withInputGradient ? 4.0 : 2.0) * Double(b * inputs * outputs)
            let variant = withInputGradient ? (inputActivation == relu ? "dW+dX·relu'" : "dW+dX") : "dW only"
            Benchmark("ann_dense_backward \(shape) \(variant) [\(mflop(backwardFlops)) MFLOP/call]", configuration: config) { benchmark in
                measure(benchmark, work: backwardFlops, as: megaflops) {
                    ann_dense_backward(
                        withInputGradient ? dx : nil, dw, db, dy, x, w,
                        Int32(b), Int32(inputs), Int32(outputs), inputActivation, 1)
                }
            }
        }
    }

    // MARK: bfloat16 products (--precision bf16), on every path this CPU has

    // The first layer's forward product and weight gradient and the second
    // layer's input gradient at B = 64, operands already in their pair
    // layouts (scripts/bf16-epochs --kernels holds them against PyTorch's
    // 2048³ bf16 matmul on the same core).
    let paths: [(name: String, path: Int32)] = [("portable", ANN_BF16_PORTABLE), ("avx512-bf16", ANN_BF16_AVX512), ("amx", ANN_BF16_AMX)]
        .map { ($0.0, Int32($0.1)) }.filter { $0.path <= ann_bf16_path() }
    let products: [(name: String, M: Int, K: Int, N: Int)] = [
        ("forward 784x256 B64", 64, 784, 256), ("dW 784x256 B64", 256, 64, 784),
        ("dX 256x128 B64", 64, 128, 256),
    ]
    for (name, M, K, N) in products {
        let pairs = (K + 1) / 2
        let a = UnsafeMutablePointer<UInt32>.allocate(capacity: M * pairs)
        let b = UnsafeMutablePointer<UInt32>.allocate(capacity: pairs * N)
        ann_bf16_pairs_along_rows(a, buffer(M * K, seed: &seed), Int32(M), Int32(K), 1)
        ann_bf16_pairs_down_columns(b, buffer(K * N, seed: &seed), Int32(K), Int32(N), 1)
        let c = buffer(M * N, seed: &seed)
        let flops = 2.0 * Double(M * K * N)
        let config = Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal, megaflops], units: [.mallocCountTotal: .count],
            scalingFactor: flops >= 1e8 ? .one : .kilo)
        for (pathName, path) in paths {
            Benchmark("ann_gemm_bf16 \(pathName) \(name) [\(mflop(flops)) MFLOP/call]", configuration: config) { benchmark in
                measure(benchmark, work: flops, as: megaflops) {
                    ann_gemm_bf16(c, a, b, nil, nil, Int32(M), Int32(N), Int32(pairs), Int32(ANN_IDENTITY), path, 1)
                }
            }
        }
    }

    // MARK: Elementwise kernels

    let elementwise = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, megabytes], units: [.mallocCountTotal: .count],
        scalingFactor: .kilo)

    for b in batches {
        let classes = 10
        let logits = buffer(b * classes, -5...5, seed: &seed)
        let probabilities = buffer(b * classes, seed: &seed)
        let dz = buffer(b * classes, seed: &seed)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: b)
        for i in 0..<b { labels[i] = Int32(i % classes) }
        // Reads Z and labels, writes P and dZ.
        let bytes = Double(3 * b * classes * 4 + b * 4)
        Benchmark("ann_softmax_cross_entropy \(b)x\(classes)", configuration: elementwise) { benchmark in
            measure(benchmark, work: bytes, as: megabytes) {
                blackHole(ann_softmax_cross_entropy(probabilities, dz, logits, labels, Int32(b), Int32(classes), 1 / Float(b)))
            }
        }
    }

    // MARK: Optimiser and reduction over the whole parameter block

    do {
        let n = parameterCount
        let w = buffer(n, -0.1...0.1, seed: &seed)
        let v = buffer(n, -0.01...0.01, seed: &seed)
        let g = buffer(n, -0.001...0.001, seed: &seed)
        let config = Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal, megabytes], units: [.mallocCountTotal: .count],
            scalingFactor: .one)
        // Reads w, v, grad; writes w, v.
        Benchmark("ann_sgd_momentum_step n=\(n)", configuration: config) { benchmark in
            measure(benchmark, work: Double(5 * n * 4), as: megabytes) {
                // A tiny rate and momentum < 1 keep the values bounded however long it runs.
                ann_sgd_momentum_step(w, v, g, n, 1e-6, 0.9, 0, 0, 1)
            }
        }

        for sourceCount in [1, 3] {
            let dst = buffer(n, seed: &seed)
            let sources = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: sourceCount)
            for s in 0..<sourceCount { sources[s] = UnsafePointer(buffer(n, -1e-9...1e-9, seed: &seed)) }
            // Reads dst and each source, writes dst.
            let bytes = Double((2 + sourceCount) * n * 4)
            Benchmark("ann_sum_into n=\(n) sources=\(sourceCount) (\(sourceCount + 1) shards)", configuration: config) { benchmark in
                measure(benchmark, work: bytes, as: megabytes) { ann_sum_into(dst, sources, Int32(sourceCount), n) }
            }
        }
    }
}
