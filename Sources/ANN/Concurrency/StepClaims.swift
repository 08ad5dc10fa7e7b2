#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Hands out a shards step to whichever workers one `concurrentPerform` call
/// runs: first the shards' forward and backward passes, then, once every
/// shard is done, the reduction and update ranges.
///
/// One call a step instead of one per phase, because waking libdispatch's
/// parked workers costs tens of microseconds in a VM (30–55 µs measured on
/// the project's machine), and it allocates (3 blocks a call). The waiting
/// between the phases cannot deadlock, even if `concurrentPerform` ran its
/// iterations one after another: a worker only ever waits for shards that
/// other workers have claimed and are running, and a lone worker claims and
/// runs everything itself.
///
/// Which worker runs which shard or range changes nothing in the result:
/// shard `s` always covers the same rows with workspace `s`, and each range
/// is summed in shard order.
final class StepClaims: Sendable {
    private let nextShard = Atomic<Int>(0)
    private let finishedShards = Atomic<Int>(0)
    private let nextRange = Atomic<Int>(0)

    /// Readies the claims for the next step; call before `concurrentPerform`.
    func reset() {
        nextShard.store(0, ordering: .relaxed)
        finishedShards.store(0, ordering: .relaxed)
        nextRange.store(0, ordering: .relaxed)
    }

    /// One worker's part of a step: shards while any are unclaimed, a wait
    /// for the shards other workers claimed, then update ranges while any are
    /// unclaimed. Every worker of the call runs this; each shard and each
    /// range runs exactly once, and no range before every shard is done.
    func work(shards: Int, ranges: Int, runShard: (Int) -> Void, runRange: (Int) -> Void) {
        while case let shard = nextShard.wrappingAdd(1, ordering: .relaxed).oldValue, shard < shards {
            runShard(shard)
            // Releases this shard's gradient to whoever sums it.
            finishedShards.wrappingAdd(1, ordering: .releasing)
        }
        var turns = 0
        while finishedShards.load(ordering: .acquiring) < shards {
            turns += 1
            // Mostly spinning (the others are mid-pass, and a parked thread
            // is slow to wake), yielding now and then to a thread that needs the core.
            if turns % 256 == 0 { sched_yield() }
        }
        while case let range = nextRange.wrappingAdd(1, ordering: .relaxed).oldValue, range < ranges {
            runRange(range)
        }
    }
}
