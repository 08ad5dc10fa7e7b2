import CANNKernels

/// One training step's work for the shards of a minibatch.
struct ShardStep {
    let workspaces: [ShardWorkspace]
    let source: SampleSource
    let order: UnsafePointer<Int32>
    let rows: Int
    let shards: Int
    let parameters: UnsafePointer<Float>
    let kernelThreads: Int
    let denseTargets: Bool
    /// The weights' step, when the backward pass takes it.
    let weightStep: WeightStep?

    func run(shard s: Int) {
        let workspace = workspaces[s]
        let range = ShardPlan.rowRange(shard: s, of: shards, rows: rows)
        let copyStride = source.load(
            into: workspace, indices: order + range.lowerBound, first: 0, rows: range.count,
            denseTargets: denseTargets, threads: kernelThreads, copies: true)
        workspace.forwardBackward(
            rows: range.count, parameters: parameters, gradientScale: 1 / Float(rows), kernelThreads: kernelThreads,
            inputCopyStride: copyStride, weightStep: weightStep)
        var correct = 0
        for i in 0..<range.count where workspace.predictions.pointer[i] == workspace.labels.pointer[i] {
            correct += 1
        }
        workspace.correct = correct
    }
}

/// An epoch's shards steps, each a function of its index: what every member
/// of a ``ShardTeam`` runs. Made once an epoch, after the shuffle.
struct ShardEpoch {
    let steps: EpochSteps
    /// Shards of a full minibatch (a short last one may have fewer).
    let shardLimit: Int
    let workspaces: [ShardWorkspace]
    let source: SampleSource
    /// The epoch's sample order.
    let order: UnsafePointer<Int32>
    let parameters: UnsafeMutablePointer<Float>
    let velocity: UnsafeMutablePointer<Float>
    let chunks: [UpdateChunk]
    let sourceTable: UnsafeMutablePointer<UnsafePointer<Float>?>
    let denseTargets: Bool
    let momentum: Float
    let l1: Float
    let l2: Float
    /// The floating-point mode every member computes in.
    let subnormals: Subnormals

    /// Shards of step `step`, and update ranges too.
    func shards(_ step: Int) -> Int { min(shardLimit, steps.rows(step)) }

    func runShard(step: Int, shard: Int) {
        ShardStep(
            workspaces: workspaces, source: source, order: order + steps.first(step), rows: steps.rows(step),
            shards: shards(step), parameters: UnsafePointer(parameters), kernelThreads: 1, denseTargets: denseTargets,
            weightStep: nil
        ).run(shard: shard)
    }

    func runRange(step: Int, range: Int) {
        let shards = shards(step)
        ReduceAndUpdate(
            workspaces: workspaces, shards: shards, workers: shards, chunks: chunks, sourceTable: sourceTable,
            parameters: parameters, velocity: velocity, learningRate: steps.learningRate(step),
            momentum: momentum, l1: l1, l2: l2
        ).run(worker: range)
    }

    /// The step's loss summed over its rows, and its correct predictions.
    func results(_ step: Int) -> (loss: Double, correct: Int) {
        var loss = 0.0, correct = 0
        for workspace in workspaces.prefix(shards(step)) {
            loss += workspace.lossSum
            correct += workspace.correct
        }
        return (loss, correct)
    }
}

/// A stretch of the parameter block updated as one unit by one worker.
struct UpdateChunk {
    let offset: Int
    let count: Int
    let isWeight: Bool

    /// Splits the layout's segments into pieces small enough to spread over
    /// workers and to stay in cache between the reduction and the update.
    static func chunks(of layout: ParameterLayout, maximum: Int = 16_384) -> [UpdateChunk] {
        layout.segments.flatMap { segment in
            stride(from: 0, to: segment.count, by: maximum).map {
                UpdateChunk(offset: segment.offset + $0, count: min(maximum, segment.count - $0), isWeight: segment.isWeight)
            }
        }
    }
}

/// The fan-in of a step: each worker sums the shard gradients of its chunks
/// into shard 0's block, in shard order, then applies the optimiser there.
struct ReduceAndUpdate {
    let workspaces: [ShardWorkspace]
    let shards: Int
    let workers: Int
    let chunks: [UpdateChunk]
    /// `shards` slots per worker for the list of source pointers.
    let sourceTable: UnsafeMutablePointer<UnsafePointer<Float>?>
    let parameters: UnsafeMutablePointer<Float>
    let velocity: UnsafeMutablePointer<Float>
    let learningRate: Float
    let momentum: Float
    let l1: Float
    let l2: Float

    func run(worker w: Int) {
        let total = workspaces[0].gradient.pointer
        let table = sourceTable + w * shards
        for c in stride(from: w, to: chunks.count, by: workers) {
            let chunk = chunks[c]
            if shards > 1 {
                for s in 1..<shards { table[s - 1] = UnsafePointer(workspaces[s].gradient.pointer + chunk.offset) }
                ann_sum_into(total + chunk.offset, table, Int32(shards - 1), chunk.count)
            }
            ann_sgd_momentum_step(
                parameters + chunk.offset, velocity + chunk.offset, total + chunk.offset, chunk.count,
                learningRate, momentum, chunk.isWeight ? l1 : 0, chunk.isWeight ? l2 : 0, 1)
        }
    }
}

/// Forward passes over a data set in chunks, each worker keeping its own
/// confusion counts.
struct EvaluationPass {
    let workspaces: [ShardWorkspace]
    let source: SampleSource
    let range: Range<Int>
    let parameters: UnsafePointer<Float>
    /// Whether the loss needs dense targets (MSE) rather than labels.
    let denseTargets: Bool

    /// Leaves the worker's confusion counts (classification) and its summed
    /// loss in its workspace.
    func run(worker w: Int) {
        let workspace = workspaces[w]
        let classes = workspace.architecture.outputSize
        workspace.confusion.update(repeating: 0, count: classes * classes)
        workspace.lossSum = 0
        let chunk = workspace.capacity
        for start in stride(from: range.lowerBound + w * chunk, to: range.upperBound, by: chunk * workspaces.count) {
            let rows = min(chunk, range.upperBound - start)
            source.load(into: workspace, indices: nil, first: start, rows: rows, denseTargets: denseTargets, threads: 1)
            workspace.lossSum += workspace.evaluate(rows: rows, parameters: parameters, denseTargets: denseTargets)
            for i in 0..<rows where workspace.labels.pointer[i] >= 0 {
                workspace.confusion[Int(workspace.labels.pointer[i]) * classes + Int(workspace.predictions.pointer[i])] += 1
            }
        }
    }
}
