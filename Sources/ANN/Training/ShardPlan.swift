import Foundation

/// How a minibatch is spread over cores. Exactly one level fans out: either
/// `concurrentPerform` runs `shards` shards with single-threaded kernels, or
/// one shard runs with `kernelThreads` OpenMP threads inside each kernel.
public struct ShardPlan: Sendable, Equatable, CustomStringConvertible {
    /// The thread count asked for.
    public let requestedThreads: Int
    /// Shards per minibatch, each run by one `concurrentPerform` worker.
    public let shards: Int
    /// OpenMP threads inside each kernel (more than 1 only when `shards` is 1).
    public let kernelThreads: Int
    /// Samples in the largest shard of a full minibatch.
    public let shardCapacity: Int

    /// Shards below this many samples cost more in synchronisation and lost
    /// vector efficiency than they save.
    static let minimumShardRows = 8

    /// The level that fans out.
    public enum FanOut: String, CaseIterable, Sendable, Codable {
        /// Chosen from the thread count and batch size.
        case automatic = "auto"
        /// Shards of the minibatch on `concurrentPerform` workers.
        case shards
        /// One shard; OpenMP threads inside each kernel.
        case openmp
    }

    /// How the plan was chosen.
    public let fanOut: FanOut

    /// The plan for `threads` cores and minibatches of `batchSize`.
    /// Threads the plan may use: the request, but no more than the cores.
    public let usableThreads: Int

    /// The cores this process may run on.
    public static var availableCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The plan for `threads` cores and minibatches of `batchSize`. More
    /// threads than `cores` only make busy threads wait for each other (an
    /// OpenMP team spinning on a barrier for a thread that is not running), so
    /// the plan uses at most `cores`.
    public init(threads: Int, batchSize: Int, fanOut: FanOut = .automatic, cores: Int = ShardPlan.availableCores) {
        requestedThreads = threads
        let usable = max(1, min(threads, cores))
        usableThreads = usable
        let resolved = fanOut == .automatic ? Self.preferredFanOut(threads: usable, batchSize: batchSize) : fanOut
        self.fanOut = resolved
        shards = resolved == .openmp ? 1 : max(1, min(usable, batchSize / Self.minimumShardRows))
        kernelThreads = shards == 1 ? usable : 1
        shardCapacity = (batchSize + shards - 1) / shards
    }

    /// Small minibatches leave shards too little work to pay for summing a
    /// whole gradient block per shard, while OpenMP's forks cost a fraction of
    /// a microsecond; large ones give shards work enough, and shards
    /// synchronise twice a step where the OpenMP fan-out synchronises after
    /// every kernel, which tells when the cores are far apart
    /// (docs/performance.md has the figures).
    static func preferredFanOut(threads: Int, batchSize: Int) -> FanOut {
        batchSize >= 512 ? .shards : .openmp
    }

    /// Threads busy during a training step.
    public var effectiveThreads: Int { max(shards, kernelThreads) }

    /// One line for people: threads, shards and where OpenMP runs.
    public var description: String {
        let capped = requestedThreads > usableThreads
            ? " (\(requestedThreads) requested; \(usableThreads) core\(usableThreads == 1 ? "" : "s") available)" : ""
        if shards > 1 {
            return "\(effectiveThreads) threads\(capped): \(shards) shards of up to \(shardCapacity) samples (concurrentPerform), kernels single-threaded"
        }
        if effectiveThreads == 1 { return "1 thread\(capped)" }
        return "\(effectiveThreads) threads\(capped): one shard, OpenMP inside kernels"
    }

    /// The rows of a minibatch of `rows` samples that shard `index` of `count` takes.
    static func rowRange(shard index: Int, of count: Int, rows: Int) -> Range<Int> {
        let base = rows / count, extra = rows % count
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }
}
