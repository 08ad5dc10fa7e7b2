import Dispatch
import Synchronization
import Testing

@testable import ANN

@Suite("Step claims")
struct StepClaimsTests {
    final class Counter: Sendable {
        let count = Atomic<Int>(0)
    }

    /// As if `concurrentPerform` ran its iterations one after another: the
    /// first worker must do the whole step, in order, without waiting forever.
    @Test("a lone worker runs every shard, then every range")
    func loneWorker() {
        let claims = StepClaims()
        var log: [String] = []
        for _ in 0..<2 {
            claims.reset()
            log = []
            claims.work(shards: 3, ranges: 2, runShard: { log.append("s\($0)") }, runRange: { log.append("r\($0)") })
            // A second worker arriving late finds nothing left.
            claims.work(shards: 3, ranges: 2, runShard: { log.append("late s\($0)") }, runRange: { log.append("late r\($0)") })
        }
        #expect(log == ["s0", "s1", "s2", "r0", "r1"])
    }

    @Test("many workers: each shard and range once, no range before every shard is done", arguments: [2, 3, 8])
    func manyWorkers(workers: Int) {
        let claims = StepClaims()
        // Atomics, not a Mutex: under ThreadSanitizer the counts kept inside a
        // Synchronization Mutex were reported as a race (it did not see the
        // lock's hand-over), while it follows the atomics' ordering.
        let shardRuns = (0..<5).map { _ in Counter() }, rangeRuns = (0..<4).map { _ in Counter() }
        let finished = Atomic<Int>(0), early = Atomic<Int>(0)
        for _ in 0..<50 {
            claims.reset()
            finished.store(0, ordering: .relaxed)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                claims.work(
                    shards: 5, ranges: 4,
                    runShard: { shard in
                        // Long enough (0.2 ms) that workers overlap: libdispatch
                        // takes tens of microseconds to wake one.
                        let clock = ContinuousClock(), start = clock.now
                        while clock.now - start < .microseconds(200) {}
                        shardRuns[shard].count.wrappingAdd(1, ordering: .relaxed)
                        finished.wrappingAdd(1, ordering: .releasing)
                    },
                    runRange: { range in
                        if finished.load(ordering: .acquiring) < 5 { early.wrappingAdd(1, ordering: .relaxed) }
                        rangeRuns[range].count.wrappingAdd(1, ordering: .relaxed)
                    })
            }
        }
        #expect(shardRuns.map { $0.count.load(ordering: .relaxed) } == [Int](repeating: 50, count: 5))
        #expect(rangeRuns.map { $0.count.load(ordering: .relaxed) } == [Int](repeating: 50, count: 4))
        #expect(early.load(ordering: .relaxed) == 0)
    }
}
