/// The steps of an epoch with each minibatch split into shards: what every
/// member of a ``ShardTeam`` runs, each part a function of the step's index.
/// Made once an epoch, after the shuffle.
///
/// A step is its shards (``runShard(step:shard:)``: load the shard's rows,
/// run the ``TrainingStep``), then as many update ranges (``runRange(step:range:)``:
/// sum a share of the chunks' gradients, ``GradientReduction``, and update them, ``Optimizer``).
struct ShardedStep {
    let steps: EpochSteps
    /// Shards of a full minibatch (a short last one may have fewer).
    let shardLimit: Int
    let workspaces: [ShardWorkspace]
    let source: SampleSource
    /// The epoch's sample order.
    let order: UnsafePointer<Int32>
    let step: TrainingStep
    let reduction: GradientReduction
    let optimizer: Optimizer
    /// Whether the loss needs dense targets (MSE) rather than labels.
    let denseTargets: Bool
    /// The floating-point mode every member computes in.
    let subnormals: Subnormals

    /// Shards of step `step`, and update ranges too.
    func shards(_ step: Int) -> Int { min(shardLimit, steps.rows(step)) }

    func runShard(step index: Int, shard: Int) {
        let rows = steps.rows(index)
        let range = ShardPlan.rowRange(shard: shard, of: shards(index), rows: rows)
        let workspace = workspaces[shard]
        source.load(
            into: workspace, indices: order + steps.first(index) + range.lowerBound, first: 0, rows: range.count,
            denseTargets: denseTargets, threads: step.kernelThreads)
        step.run(workspace, rows: range.count, parameters: optimizer.parameters, gradientScale: 1 / Float(rows))
    }

    func runRange(step index: Int, range: Int) {
        let ranges = shards(index), learningRate = steps.learningRate(index)
        for c in stride(from: range, to: optimizer.chunks.count, by: ranges) {
            reduction.sum(optimizer.chunks[c], shards: ranges, worker: range)
            optimizer.step(gradient: reduction.total, chunk: c, learningRate: learningRate)
        }
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
