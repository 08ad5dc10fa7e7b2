#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Keeps the workers of one `concurrentPerform` call together for a run of
/// shards steps (the rest of an epoch), so that a step wakes no parked
/// worker and allocates nothing: waking libdispatch's parked workers costs
/// tens of microseconds in a VM, and each call allocates.
///
/// The iteration that runs on the calling thread coordinates (``join()``):
/// it opens each step (``run(step:parts:runShard:exchange:runRange:)``),
/// works on it like any member, and between steps does what must happen on
/// the caller's thread (progress, stop requests, Task cancellation). The
/// other members ``serve(partsOf:runShard:runRange:)`` until it ``close()``s.
///
/// A step: members claim its shards, wait until every claimed shard has
/// finished (and, in a team that `exchanges`, until the coordinator has
/// taken the step's exchange with the other processes), then claim its
/// update ranges; the coordinator returns once every range has finished.
/// Nothing can deadlock, whatever the order or concurrency in which
/// `concurrentPerform` runs the iterations:
/// - a member only ever waits for work that a running member has claimed,
///   and the coordinator claims whatever is left itself, so it can run every
///   step alone;
/// - members wait for the coordinator only between steps and for its
///   exchange, and only once it has joined; a member that finds none
///   leaves after 20 ms. That happens
///   only if no iteration runs on the calling thread (libdispatch always runs
///   one there, but nothing promises it) or that iteration starts very late;
///   the caller then runs the steps with fewer members, or alone after the
///   call (``wasCoordinated``).
///
/// Members hold their libdispatch workers for the whole call. While the
/// coordinator is between steps they spin (with a `sched_yield` now and
/// then), as an OpenMP team does between regions, for up to `idleSpin`;
/// past that they nap (a 50 µs sleep, about 0.1 ms with Linux's timer
/// slack) between checks, so that a slow callback leaves their
/// cores free, and the first step after it starts without them until they
/// wake. Since the workers stay taken, the callbacks the coordinator runs
/// must not wait for other work on the global queues, which may find no free
/// worker until the epoch ends; and a second team started meanwhile
/// elsewhere in the process may find none either, and then runs alone.
///
/// Claims are tagged with their step (`step << 32 | count`), so a member
/// that falls behind can never take part of a later step for the one it
/// was in. Which member runs which shard or range changes nothing in the
/// result: shard `s` always covers the same rows and writes its own gradient
/// block, and each range is summed in shard order.
final class ShardTeam: Sendable {
    /// Iterations of the `concurrentPerform` call.
    let members: Int
    /// How long a member spins for the next step before it naps.
    let idleSpin: Duration
    /// Whether each step has an exchange between its shards and its ranges,
    /// which the coordinator takes (a ``ProcessGroup``'s gather).
    let exchanges: Bool
    /// 0 before the first step; k + 1 while step k is open; −1 once closed.
    private let opened = Atomic<Int>(0)
    private let shardClaims = Atomic<Int>(0)
    private let finishedShards = Atomic<Int>(0)
    private let exchanged = Atomic<Int>(0)
    private let rangeClaims = Atomic<Int>(0)
    private let finishedRanges = Atomic<Int>(0)
    private let coordinated = Atomic<Bool>(false)

    /// The thread that made the team, which will call `concurrentPerform`.
    private let callingThread: UInt

    /// A team for a `concurrentPerform` call of `members` iterations, made on
    /// the thread that will make the call. The 2 ms default spans the time
    /// between two steps many times over: only a slow callback outlasts it.
    init(members: Int, exchanges: Bool = false, idleSpin: Duration = .milliseconds(2)) {
        precondition(members >= 1, "engine bug: a team needs a member")
        self.members = members
        self.exchanges = exchanges
        self.idleSpin = idleSpin
        callingThread = Self.currentThread()
    }

    /// True for the coordinator: the first iteration to run on the calling thread.
    func join() -> Bool {
        Self.currentThread() == callingThread
            && coordinated.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
    }

    /// Whether an iteration took the coordinator's part.
    var wasCoordinated: Bool { coordinated.load(ordering: .acquiring) }

    /// The coordinator's part of step `k`: opens it, works on its shards,
    /// takes the step's `exchange` (when the team has one) once every shard
    /// has finished, works on its ranges, and returns once every range has
    /// finished (their writes are then visible to the caller). Without
    /// members, it runs the whole step itself.
    func run(step k: Int, parts: StepParts, runShard: (Int) -> Void, exchange: () -> Void = {}, runRange: (Int) -> Void) {
        // Nobody touches the counters now: every claim of the previous step
        // has finished, and no member may claim for step k before it opens.
        shardClaims.store(Self.tag(k, 0), ordering: .relaxed)
        finishedShards.store(Self.tag(k, 0), ordering: .relaxed)
        exchanged.store(Self.tag(k, 0), ordering: .relaxed)
        rangeClaims.store(Self.tag(k, 0), ordering: .relaxed)
        finishedRanges.store(Self.tag(k, 0), ordering: .relaxed)
        opened.store(k + 1, ordering: .releasing)
        runShards(step: k, parts: parts, runShard: runShard)
        if exchanges {
            exchange()
            // Releases what the exchange brought to the members' ranges.
            exchanged.store(Self.tag(k, 1), ordering: .releasing)
        }
        runRanges(step: k, parts: parts, runRange: runRange)
        Self.spin { Self.count(finishedRanges.load(ordering: .acquiring)) >= parts.ranges }
    }

    /// Ends the team: members return from ``serve(partsOf:runShard:runRange:)``.
    func close() {
        opened.store(-1, ordering: .releasing)
    }

    /// A member's part: every step opened until the team closes, each with
    /// the parts `partsOf` gives (as in ``run(step:parts:runShard:exchange:runRange:)``).
    func serve(
        partsOf: (Int) -> StepParts, runShard: (_ step: Int, _ shard: Int) -> Void,
        runRange: (_ step: Int, _ range: Int) -> Void
    ) {
        // The calling thread's iteration starts within a microsecond or so of
        // the others (more if that thread is pre-empted); a member never
        // waits for ever on one that is not coming.
        let clock = ContinuousClock(), deadline = clock.now + .milliseconds(20)
        Self.spin { coordinated.load(ordering: .relaxed) || clock.now > deadline }
        guard coordinated.load(ordering: .relaxed) else { return }
        var seen = 0
        while true {
            let now = nextOpening(after: seen)
            if now < 0 { return }
            seen = now
            let k = now - 1, parts = partsOf(k)
            runShards(step: k, parts: parts, runShard: { runShard(k, $0) })
            if exchanges {
                Self.spin {
                    let done = exchanged.load(ordering: .acquiring)
                    return Self.step(done) != k || Self.count(done) >= 1
                }
            }
            runRanges(step: k, parts: parts, runRange: { runRange(k, $0) })
        }
    }

    /// `opened` once it differs from `seen`: the next step, or the close.
    private func nextOpening(after seen: Int) -> Int {
        let clock = ContinuousClock(), napsFrom = clock.now + idleSpin
        var turns = 0
        while true {
            let now = opened.load(ordering: .acquiring)
            if now != seen { return now }
            turns += 1
            guard turns % 256 == 0 else { continue }
            if clock.now < napsFrom {
                sched_yield()
            } else {
                usleep(50)
            }
        }
    }

    /// Shards while any of step `k` are unclaimed, then a wait for those
    /// others claimed. A member still here after the step ended finds its
    /// claims and counters tagged with a later step, and leaves.
    private func runShards(step k: Int, parts: StepParts, runShard: (Int) -> Void) {
        while let shard = Self.claim(shardClaims, step: k, below: parts.shards) {
            runShard(shard)
            // Releases this shard's gradient to whoever sums it.
            finishedShards.wrappingAdd(1, ordering: .releasing)
        }
        Self.spin {
            let finished = finishedShards.load(ordering: .acquiring)
            return Self.step(finished) != k || Self.count(finished) >= parts.shards
        }
    }

    /// Ranges while any of step `k` are unclaimed.
    private func runRanges(step k: Int, parts: StepParts, runRange: (Int) -> Void) {
        while let range = Self.claim(rangeClaims, step: k, below: parts.ranges) {
            runRange(range)
            // Releases the updated parameters to the coordinator.
            finishedRanges.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// The next unclaimed item of step `k`, if any is left below `limit`.
    private static func claim(_ claims: borrowing Atomic<Int>, step k: Int, below limit: Int) -> Int? {
        var current = claims.load(ordering: .relaxed)
        while step(current) == k && count(current) < limit {
            let (exchanged, found) = claims.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return count(current) }
            current = found
        }
        return nil
    }

    private static func currentThread() -> UInt {
        #if canImport(Darwin)
        UInt(bitPattern: pthread_self())
        #else
        UInt(pthread_self())
        #endif
    }

    private static func tag(_ step: Int, _ count: Int) -> Int { step << 32 | count }
    private static func step(_ tagged: Int) -> Int { tagged >> 32 }
    private static func count(_ tagged: Int) -> Int { tagged & 0xFFFF_FFFF }

    /// Mostly spinning (the others are mid-pass, and a parked thread is slow
    /// to wake), yielding now and then to a thread that needs the core.
    private static func spin(until done: () -> Bool) {
        var turns = 0
        while !done() {
            turns += 1
            if turns % 256 == 0 { sched_yield() }
        }
    }
}

/// What a step of a ``ShardTeam`` holds: its shards, and the update ranges
/// that follow them.
struct StepParts: Equatable {
    let shards: Int
    let ranges: Int
}
