import CANNKernels

/// The fan-in of a step: every shard's gradient block, one per shard of the
/// run in shard order in one buffer, and their sum.
///
/// Each shard writes its own block and its loss and hits. With a
/// ``ProcessGroup``, every process then gathers the other processes' blocks
/// and results into its own buffer (the blocks lie where a single process
/// would have written them), so every process adds the same numbers in the
/// same order. The sum goes one chunk of the parameter block at a time into
/// shard 0's block, each chunk's blocks added in shard order, so it is the
/// same whichever worker adds which chunk.
final class GradientReduction {
    let parameterCount: Int
    let ownership: ShardOwnership
    /// shards × parameterCount values: shard s's gradient at s × parameterCount.
    private let blocks: FloatBuffer
    /// Per process: the loss and the hits of each of its shards, then whether
    /// it asks to stop (``exchange(over:stopRequested:)``).
    private let results: UnsafeMutablePointer<Double>
    private let blockCounts: [Int], blockOffsets: [Int]
    private let resultCounts: [Int], resultOffsets: [Int]
    /// `slotsPerWorker` source pointers per worker, so that a sum allocates nothing.
    private let sourceTable: UnsafeMutablePointer<UnsafePointer<Float>?>
    private let slotsPerWorker: Int

    init(parameterCount: Int, ownership: ShardOwnership, workers: Int) {
        self.parameterCount = parameterCount
        self.ownership = ownership
        blocks = FloatBuffer(count: ownership.shards * parameterCount)
        let owned = (0..<ownership.processes).map { ownership.shards(of: $0) }
        blockCounts = owned.map { $0.count * parameterCount }
        blockOffsets = owned.map { $0.lowerBound * parameterCount }
        resultCounts = owned.map { 2 * $0.count + 1 }
        let counts = owned.map { 2 * $0.count + 1 }
        resultOffsets = counts.indices.map { counts[..<$0].reduce(0, +) }
        let resultCount = counts.reduce(0, +)
        results = .allocate(capacity: resultCount)
        results.initialize(repeating: 0, count: resultCount)
        slotsPerWorker = ownership.shards
        sourceTable = .allocate(capacity: workers * slotsPerWorker)
        sourceTable.initialize(repeating: nil, count: workers * slotsPerWorker)
    }

    deinit {
        results.deallocate()
        sourceTable.deallocate()
    }

    /// Shard `shard`'s gradient block.
    func block(_ shard: Int) -> UnsafeMutablePointer<Float> { blocks.pointer + shard * parameterCount }

    /// Shard 0's block, where the sums land.
    var total: UnsafePointer<Float> { UnsafePointer(blocks.pointer) }

    /// Adds the chunk of blocks 1 ..< `shards` into block 0, on worker `worker`.
    func sum(_ chunk: Optimizer.Chunk, shards: Int, worker: Int) {
        guard shards > 1 else { return }
        let table = sourceTable + worker * slotsPerWorker
        for s in 1..<shards { table[s - 1] = UnsafePointer(block(s) + chunk.offset) }
        ann_sum_into(blocks.pointer + chunk.offset, table, Int32(shards - 1), chunk.count)
    }

    /// Records what shard `shard` of this step found.
    func record(shard: Int, loss: Double, correct: Int) {
        let slot = resultSlot(shard)
        results[slot] = loss
        results[slot + 1] = Double(correct)
    }

    /// The step's loss summed over its first `shards` shards in shard order,
    /// its hits, and whether any process asked to stop.
    func outcome(shards: Int) -> (loss: Double, correct: Int, stop: Bool) {
        var loss = 0.0, correct = 0
        for s in 0..<shards {
            loss += results[resultSlot(s)]
            correct += Int(results[resultSlot(s) + 1])
        }
        let stop = resultCounts.indices.contains { results[resultOffsets[$0] + resultCounts[$0] - 1] != 0 }
        return (loss, correct, stop)
    }

    /// Gathers every process's blocks and results, and its vote on stopping.
    func exchange(over group: any ProcessGroup, stopRequested: Bool) throws(ProcessGroupError) {
        let rank = group.rank
        results[resultOffsets[rank] + resultCounts[rank] - 1] = stopRequested ? 1 : 0
        try group.allGather(blocks.pointer, counts: blockCounts, offsets: blockOffsets)
        try group.allGather(results, counts: resultCounts, offsets: resultOffsets)
    }

    private func resultSlot(_ shard: Int) -> Int {
        let owner = ownership.owner(of: shard)
        return resultOffsets[owner] + 2 * (shard - ownership.shards(of: owner).lowerBound)
    }
}
