import Testing
@testable import ANN

/// Backpropagation against central finite differences of the loss, for every
/// hidden activation and every output/loss pairing.
@Suite("Gradients match finite differences")
struct GradientCheckTests {
    static let heads: [(OutputActivation, Loss)] = [(.softmax, .crossEntropy), (.softmax, .meanSquaredError), (.linear, .meanSquaredError)]

    @Test(arguments: Activation.allCases, heads.indices)
    func wholeNetwork(activation: Activation, head: Int) throws {
        let (output, loss) = Self.heads[head]
        let architecture = try NetworkArchitecture(layerSizes: [6, 5, 4, 3], activation: activation, output: output, loss: loss)
        var network = Network(architecture: architecture, seed: 3)
        // Non-zero biases, so their gradients are exercised too.
        for layer in architecture.layout.layers {
            for i in 0..<layer.outputs { network.parameters[layer.biasOffset + i] = Float(i) * 0.1 - 0.1 }
        }
        let rows = 5
        let workspace = ShardWorkspace(architecture: architecture, capacity: rows)
        let inputs = randomFloats(rows * 6, seed: 11, scale: 2)
        workspace.activations[0].pointer.update(from: inputs, count: inputs.count)
        for r in 0..<rows {
            workspace.labels.pointer[r] = Int32(r % 3)
            for c in 0..<3 { workspace.targets.pointer[r * 3 + c] = c == r % 3 ? 1 : 0 }
        }
        if output == .linear {
            let targets = randomFloats(rows * 3, seed: 12)
            workspace.targets.pointer.update(from: targets, count: targets.count)
        }

        let pass = TrainingStep(architecture: architecture, layout: architecture.layout, kernelThreads: 1)
        func lossAndGradient(_ parameters: [Float]) -> (Double, [Float]) {
            parameters.withUnsafeBufferPointer { p in
                pass.run(workspace, rows: rows, parameters: p.baseAddress!, gradientScale: 1)
            }
            return (workspace.lossSum, Array(UnsafeBufferPointer(start: workspace.gradient, count: architecture.layout.count)))
        }

        let (_, analytic) = lossAndGradient(network.parameters)
        var numeric = [Float](repeating: 0, count: analytic.count)
        let step: Float = 1e-2
        for i in network.parameters.indices {
            var plus = network.parameters, minus = network.parameters
            plus[i] += step
            minus[i] -= step
            numeric[i] = Float((lossAndGradient(plus).0 - lossAndGradient(minus).0) / Double(2 * step))
        }
        // Relative distance of the two gradient vectors, per layer tensor.
        for segment in architecture.layout.segments {
            let range = segment.offset..<(segment.offset + segment.count)
            var difference: Float = 0, size: Float = 0
            for i in range {
                difference += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i])
                size += (abs(analytic[i]) + abs(numeric[i])) * (abs(analytic[i]) + abs(numeric[i]))
            }
            #expect(size > 0, "the gradient of a segment is zero: nothing checked")
            #expect(difference.squareRoot() <= 1e-2 * size.squareRoot() + 1e-5,
                    "segment at \(segment.offset): backprop and finite differences disagree")
        }
    }
}
