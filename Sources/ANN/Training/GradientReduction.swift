import CANNKernels

/// The fan-in of a sharded step: the shards' gradient blocks added into
/// shard 0's, one chunk of the parameter block at a time. Each chunk's
/// sources are added in shard order, so the sum is the same whichever
/// worker adds which chunk.
struct GradientReduction {
    let workspaces: [ShardWorkspace]
    /// `slotsPerWorker` slots per worker for the list of source pointers,
    /// allocated with the trainer so that a step allocates nothing.
    let sourceTable: UnsafeMutablePointer<UnsafePointer<Float>?>
    let slotsPerWorker: Int

    /// Shard 0's block, where the sums land.
    var total: UnsafePointer<Float> { UnsafePointer(workspaces[0].gradient.pointer) }

    /// Adds the chunk of shards 1..<shards into shard 0's block, on worker `worker`.
    func sum(_ chunk: Optimizer.Chunk, shards: Int, worker: Int) {
        guard shards > 1 else { return }
        let table = sourceTable + worker * slotsPerWorker
        for s in 1..<shards { table[s - 1] = UnsafePointer(workspaces[s].gradient.pointer + chunk.offset) }
        ann_sum_into(workspaces[0].gradient.pointer + chunk.offset, table, Int32(shards - 1), chunk.count)
    }
}
