import Foundation

/// How a run splits each minibatch, and how it spreads the work over cores.
///
/// The split is a setting of the run (``TrainingConfiguration/shards``):
/// shard `s` always covers the same rows of a minibatch and computes its
/// gradient alone, and the shards' gradients are added in shard order. The
/// cores only decide who computes what, so the weights do not depend on the
/// thread count: 1 thread or N give the same weights, bit for bit.
///
/// With one shard, OpenMP threads split every kernel. With more, up to one
/// `concurrentPerform` worker per shard runs them, each worker's kernels
/// with the threads left over (OpenMP inside a worker only when there are
/// more threads than shards).
public struct ShardPlan: Sendable, Equatable, CustomStringConvertible {
    /// The thread count asked for.
    public let requestedThreads: Int
    /// Threads the plan may use: the request, but no more than the cores.
    public let usableThreads: Int
    /// Shards per minibatch.
    public let shards: Int
    /// `concurrentPerform` workers that run the shards (1: the calling thread
    /// runs them in turn).
    public let workers: Int
    /// OpenMP threads inside each kernel.
    public let kernelThreads: Int
    /// Samples in the largest shard of a full minibatch.
    public let shardCapacity: Int
    /// Processes training together (``ProcessGroup``), and this one's rank.
    public let processes: Int
    public let rank: Int
    /// The shards this process runs: all of them, unless it is one of several.
    public let localShards: Range<Int>

    /// The cores this process may run on.
    public static var availableCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Shards a minibatch of `batchSize` gets unless the run says otherwise:
    /// one per 512 samples. A shard writes a whole gradient block that the
    /// step then adds up, which only a shard of several hundred rows repays;
    /// a smaller minibatch is best left whole and spread by OpenMP, whose
    /// forks cost a fraction of a microsecond.
    public static func defaultShards(batchSize: Int) -> Int { max(1, batchSize / 512) }

    /// The plan for `threads` threads, minibatches of `batchSize` and
    /// `shards` shards (at most `batchSize`). More threads than `cores` only
    /// make busy threads wait for each other (an OpenMP team spinning on a
    /// barrier for a thread that is not running), so the plan uses at most
    /// `cores`.
    /// With `processes` above 1, this process (`rank`) runs its own share of
    /// the shards (a contiguous run of shard indices), at least one.
    public init(
        threads: Int, batchSize: Int, shards: Int, processes: Int = 1, rank: Int = 0,
        cores: Int = ShardPlan.availableCores
    ) {
        requestedThreads = threads
        let usable = max(1, min(threads, cores))
        usableThreads = usable
        self.shards = max(1, min(shards, batchSize))
        self.processes = max(1, processes)
        self.rank = rank
        localShards = ShardOwnership(shards: self.shards, processes: self.processes).shards(of: rank)
        workers = max(1, min(localShards.count, usable))
        kernelThreads = max(1, usable / workers)
        shardCapacity = (batchSize + self.shards - 1) / self.shards
    }

    /// Threads busy during a training step.
    public var effectiveThreads: Int { workers * kernelThreads }

    /// One line for people: threads, shards and where OpenMP runs.
    public var description: String {
        let capped = requestedThreads > usableThreads
            ? " (\(requestedThreads) requested; \(usableThreads) core\(usableThreads == 1 ? "" : "s") available)" : ""
        let threads = effectiveThreads == 1 ? "1 thread" : "\(effectiveThreads) threads"
        if shards == 1 && processes == 1 {
            return effectiveThreads == 1 ? "\(threads)\(capped)" : "\(threads)\(capped): one shard, OpenMP inside kernels"
        }
        let split = processes == 1
            ? "\(shards) shards of up to \(shardCapacity) samples"
            : "shards \(localShards.lowerBound)..<\(localShards.upperBound) of \(shards) (up to \(shardCapacity) samples each), process \(rank) of \(processes)"
        if workers == 1 {
            return localShards.count == 1 ? "\(threads)\(capped): \(split)" : "\(threads)\(capped): \(split), one after another"
        }
        let kernels = kernelThreads == 1 ? "kernels single-threaded" : "\(kernelThreads) OpenMP threads in each worker's kernels"
        return "\(threads)\(capped): \(split) on \(workers) concurrentPerform workers, \(kernels)"
    }

    /// The rows of a minibatch of `rows` samples that shard `index` of `count` takes.
    static func rowRange(shard index: Int, of count: Int, rows: Int) -> Range<Int> {
        let base = rows / count, extra = rows % count
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }
}
