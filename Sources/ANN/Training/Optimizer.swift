import CANNKernels

/// Minibatch SGD with momentum and L1/L2 penalties on the weights, over the
/// network's one block of parameters (laid out `W₁ b₁ W₂ b₂ …`).
///
/// It owns the parameters and the velocity: a training step's kernels read
/// the weights through ``parameters`` and the update writes them through
/// ``step(gradient:learningRate:threads:)`` or ``step(gradient:chunk:learningRate:)``,
/// and everything else (the network a trainer hands out, a checkpoint, the
/// best weights kept for early stopping) gets copies. Per value:
///
///     g = gradient + l2·w + l1·sign(w)    (biases: g = gradient)
///     v = momentum·v + g
///     w = w − learningRate·v
final class Optimizer {
    /// A stretch of the block updated as one unit: small enough to spread
    /// over workers and to stay in cache between the gradient's sum and the
    /// update, and all weights or all biases.
    struct Chunk {
        let offset: Int
        let count: Int
        let isWeight: Bool
    }

    let momentum: Float
    let l1: Float
    let l2: Float
    /// The block in chunks of at most 16,384 values, in order.
    let chunks: [Chunk]
    /// The layers' weight and bias stretches, in order.
    private let segments: [Chunk]
    private let parameterBlock: FloatBuffer
    private let velocityBlock: FloatBuffer

    /// An optimiser starting from `parameters`, with zero velocity.
    init(parameters: [Float], layout: ParameterLayout, momentum: Float, l1: Float, l2: Float) {
        precondition(parameters.count == layout.count, "engine bug: parameter block of the wrong size")
        self.momentum = momentum
        self.l1 = l1
        self.l2 = l2
        segments = layout.segments.map { Chunk(offset: $0.offset, count: $0.count, isWeight: $0.isWeight) }
        chunks = segments.flatMap { segment in
            stride(from: 0, to: segment.count, by: 16_384).map {
                Chunk(offset: segment.offset + $0, count: min(16_384, segment.count - $0), isWeight: segment.isWeight)
            }
        }
        parameterBlock = FloatBuffer(copying: parameters)
        velocityBlock = FloatBuffer(count: parameters.count)
    }

    /// The weights, for a step's kernels to read.
    var parameters: UnsafePointer<Float> { UnsafePointer(parameterBlock.pointer) }
    /// A copy of the weights.
    var parameterValues: [Float] { parameterBlock.array }
    /// A copy of the velocity.
    var velocityValues: [Float] { velocityBlock.array }

    /// Continues from a saved velocity (a checkpoint's).
    func restore(velocity: [Float]) { velocityBlock.fill(with: velocity) }

    /// Copies the weights into `snapshot`, or back from it.
    func save(to snapshot: FloatBuffer) { snapshot.pointer.update(from: parameterBlock.pointer, count: snapshot.count) }
    func load(from snapshot: FloatBuffer) { parameterBlock.pointer.update(from: snapshot.pointer, count: snapshot.count) }

    /// The update of the whole block from `gradient`, each layer's weights and
    /// biases with up to `threads` OpenMP threads.
    func step(gradient: UnsafePointer<Float>, learningRate: Float, threads: Int) {
        for segment in segments { update(segment, gradient: gradient, learningRate: learningRate, threads: threads) }
    }

    /// The update of chunk `index` of ``chunks`` alone, on this thread.
    func step(gradient: UnsafePointer<Float>, chunk index: Int, learningRate: Float) {
        update(chunks[index], gradient: gradient, learningRate: learningRate, threads: 1)
    }

    private func update(_ part: Chunk, gradient: UnsafePointer<Float>, learningRate: Float, threads: Int) {
        ann_sgd_momentum_step(
            parameterBlock.pointer + part.offset, velocityBlock.pointer + part.offset, gradient + part.offset,
            part.count, learningRate, momentum, part.isWeight ? l1 : 0, part.isWeight ? l2 : 0, Int32(threads))
    }
}
