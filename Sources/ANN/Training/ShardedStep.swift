/// The steps of an epoch with each minibatch split into shards: what every
/// member of a ``ShardTeam`` runs, each part a function of the step's index.
/// Made once an epoch, after the shuffle.
///
/// A step is this process's shards (``runShard(step:shard:)``: load the
/// shard's rows, run the ``TrainingStep``), then, with a ``ProcessGroup``,
/// the exchange of every shard's gradient, then update ranges
/// (``runRange(step:range:)``: sum a share of the chunks' gradients,
/// ``GradientReduction``, and update them, ``Optimizer``).
struct ShardedStep {
    let steps: EpochSteps
    let plan: ShardPlan
    let workspaces: [ShardWorkspace]
    let source: SampleSource
    /// The epoch's sample order.
    let order: UnsafePointer<Int32>
    let step: TrainingStep
    let reduction: GradientReduction
    let optimizer: Optimizer
    /// The weights' bfloat16 copies, in a mixed-precision run (made before each step).
    let weights16: BFloat16Weights?
    /// Whether the loss needs dense targets (MSE) rather than labels.
    let denseTargets: Bool
    /// The floating-point mode every member computes in.
    let subnormals: Subnormals

    /// Shards of step `step` in the whole group: a short last minibatch may
    /// have fewer than the run's, never an empty one.
    func shards(_ step: Int) -> Int { min(plan.shards, steps.rows(step)) }

    /// This process's shards of step `step`, and update ranges: one per worker.
    func parts(_ step: Int) -> StepParts {
        let mine = plan.localShards.clamped(to: 0..<shards(step))
        return StepParts(shards: mine.count, ranges: plan.workers)
    }

    /// Runs this process's `local`-th shard of step `index`.
    func runShard(step index: Int, shard local: Int) {
        let rows = steps.rows(index), shard = plan.localShards.lowerBound + local
        let range = ShardPlan.rowRange(shard: shard, of: shards(index), rows: rows)
        let workspace = workspaces[local]
        source.load(
            into: workspace, indices: order + steps.first(index) + range.lowerBound, first: 0, rows: range.count,
            denseTargets: denseTargets, threads: step.kernelThreads)
        step.run(
            workspace, rows: range.count, parameters: optimizer.parameters, gradientScale: 1 / Float(rows),
            weights16: weights16)
        reduction.record(shard: shard, loss: workspace.lossSum, correct: workspace.correct)
    }

    func runRange(step index: Int, range: Int) {
        let shards = shards(index), learningRate = steps.learningRate(index), ranges = plan.workers
        for c in stride(from: range, to: optimizer.chunks.count, by: ranges) {
            reduction.sum(optimizer.chunks[c], shards: shards, worker: range)
            optimizer.step(gradient: reduction.total, chunk: c, learningRate: learningRate)
        }
    }
}
