import CANNKernels
import Testing

/// The fused output step must be the separate kernels to the bit: same
/// logits, probabilities, gradients, predictions and losses, for any team.
@Suite("The fused softmax output step equals the separate kernels")
struct OutputStepKernelTests {
    /// (batch, inputs, classes): the default network's output layer, rows that
    /// leave remainders after a row block and a softmax block, a single row,
    /// and a batch deep enough for several forward panels.
    static let shapes: [(batch: Int, inputs: Int, classes: Int)] = [
        (64, 128, 10), (37, 50, 3), (1, 5, 2), (2, 7, 10), (300, 37, 10), (5, 1, 1),
    ]
    static let kinds = [ANN_IDENTITY, ANN_RELU, ANN_TANH, ANN_SIGMOID].map(Int32.init)

    struct Outputs: Equatable {
        var logits, probabilities, logitGradient, rowLosses, dX, dW, db: [Float]
        var predictions: [Int32]
    }

    @Test(arguments: shapes.indices, [1, 2, 3])
    func matchesSeparateKernels(shapeIndex: Int, threads: Int) {
        let (B, n, C) = Self.shapes[shapeIndex]
        // Inputs in (0, 1) so that every activation's slope formula applies to them.
        let X = randomFloats(B * n, seed: 21).map { abs($0) }
        let W = randomFloats(C * n, seed: 22, scale: 3), b = randomFloats(C, seed: 23)
        let labels = (0..<B).map { Int32(($0 * 7) % C) }
        let scale = 1 / Float(B)
        for kind in Self.kinds {
            var fused = Self.empty(B, n, C)
            ann_softmax_output_step(
                &fused.logits, &fused.probabilities, &fused.logitGradient, &fused.rowLosses, &fused.predictions,
                &fused.dX, &fused.dW, &fused.db, X, W, b, labels,
                Int32(B), Int32(n), Int32(C), kind, scale, Int32(threads))

            var separate = Self.empty(B, n, C)
            ann_dense_forward(&separate.logits, X, 0, W, b, Int32(B), Int32(n), Int32(C), Int32(ANN_IDENTITY), 1)
            let loss = ann_softmax_cross_entropy(
                &separate.probabilities, &separate.logitGradient, separate.logits, labels, Int32(B), Int32(C), scale)
            ann_argmax_rows(&separate.predictions, separate.probabilities, Int32(B), Int32(C))
            ann_dense_backward(
                &separate.dX, &separate.dW, &separate.db, separate.logitGradient, X, 0, W,
                Int32(B), Int32(n), Int32(C), kind, 0, 1)
            separate.rowLosses = fused.rowLosses

            #expect(fused == separate, "activation \(kind)")
            // Summed in row order, the row losses are the fused loss to the bit.
            #expect(fused.rowLosses.reduce(0.0) { $0 + Double($1) } == loss)
            #expect(fused.rowLosses.allSatisfy { $0.isFinite && $0 >= 0 })
        }
    }

    @Test("without dX the input gradient is left alone")
    func skipsInputGradient() {
        let (B, n, C) = (6, 4, 3)
        var out = Self.empty(B, n, C)
        out.dX = [Float](repeating: 42, count: B * n)
        ann_softmax_output_step(
            &out.logits, &out.probabilities, &out.logitGradient, &out.rowLosses, &out.predictions,
            nil, &out.dW, &out.db, randomFloats(B * n, seed: 1), randomFloats(C * n, seed: 2),
            randomFloats(C, seed: 3), [0, 1, 2, 0, 1, 2], Int32(B), Int32(n), Int32(C), Int32(ANN_RELU), 0.5, 2)
        #expect(out.dX.allSatisfy { $0 == 42 })
        #expect(out.dW.contains { $0 != 0 })
    }

    static func empty(_ B: Int, _ n: Int, _ C: Int) -> Outputs {
        Outputs(
            logits: .init(repeating: .nan, count: B * C), probabilities: .init(repeating: .nan, count: B * C),
            logitGradient: .init(repeating: .nan, count: B * C), rowLosses: .init(repeating: .nan, count: B),
            dX: .init(repeating: .nan, count: B * n), dW: .init(repeating: .nan, count: C * n),
            db: .init(repeating: .nan, count: C), predictions: .init(repeating: -1, count: B))
    }
}
