/// Processes that train one network together, each on its share of the
/// shards of every minibatch: data parallelism over an MPI job, say. A
/// ``Trainer`` made with a group runs the shards of its own process, then
/// every process gathers every shard's gradient and adds them up in shard
/// order, so that all of them take the same step, and the weights are those
/// of one process running all the shards.
///
/// Every process of the group makes the same calls in the same order, and a
/// call returns once every process has made it. The trainer calls the group
/// from the thread that called ``Trainer/train(on:test:checkpoints:progress:stopRequested:)-(Dataset,_,_,_,_)``.
public protocol ProcessGroup: AnyObject {
    /// This process's place in the group, 0 ..< `size`.
    var rank: Int { get }
    /// Processes in the group.
    var size: Int { get }

    /// Gathers everyone's values into everyone's `values`: on entry, this
    /// process's `counts[rank]` values are at `values + offsets[rank]`; on
    /// return, each process's are at its offset. (MPI_Allgatherv in place.)
    func allGather(_ values: UnsafeMutablePointer<Float>, counts: [Int], offsets: [Int]) throws(ProcessGroupError)
    /// The same for `Double`s.
    func allGather(_ values: UnsafeMutablePointer<Double>, counts: [Int], offsets: [Int]) throws(ProcessGroupError)
}

/// A process group that could not do what was asked: a process has gone,
/// or the transport failed.
public struct ProcessGroupError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, naming the process where it is known.
    public let reason: String

    /// An error saying `reason`.
    public init(reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// How the shards of a run are shared among the processes of a group: each
/// takes a contiguous run of them, in rank order, sizes differing by at most one.
struct ShardOwnership: Equatable, Sendable {
    let shards: Int
    let processes: Int

    /// The shards process `rank` runs.
    func shards(of rank: Int) -> Range<Int> { ShardPlan.rowRange(shard: rank, of: processes, rows: shards) }

    /// The process that runs shard `shard`.
    func owner(of shard: Int) -> Int {
        (0..<processes).first { shards(of: $0).contains(shard) } ?? 0
    }
}
