import Dispatch
import Foundation
import Synchronization
import Testing

@testable import ANN

/// Serialized: teams running at once compete for libdispatch's workers, and
/// the members of one would then rarely get to work. A protocol that
/// deadlocks fails on the time limit instead of hanging the run.
@Suite("Shard team", .serialized, .timeLimit(.minutes(1)))
struct ShardTeamTests {
    final class Counter: Sendable {
        let count = Atomic<Int>(0)
    }

    /// What a team's members did, counted with atomics: under
    /// ThreadSanitizer, counts kept inside a Synchronization Mutex were once
    /// reported as a race (it did not see the lock's hand-over), while it
    /// follows the atomics' ordering.
    final class Ledger: Sendable {
        let shardRuns: [Counter], rangeRuns: [Counter]
        let shardsFinished = Atomic<Int>(0), rangesFinished = Atomic<Int>(0)
        /// Ranges begun before their step's every shard finished, and shards
        /// begun before the previous step's every range finished.
        let early = Atomic<Int>(0)
        let shardsPerStep: Int, rangesPerStep: Int

        init(steps: Int, shards: Int, ranges: Int) {
            shardsPerStep = shards
            rangesPerStep = ranges
            shardRuns = (0..<(steps * shards)).map { _ in Counter() }
            rangeRuns = (0..<(steps * ranges)).map { _ in Counter() }
        }

        /// Long enough (0.1 ms for a shard, 0.05 for a range) that members overlap.
        static func busy(_ duration: Duration) {
            let clock = ContinuousClock(), start = clock.now
            while clock.now - start < duration {}
        }

        func shard(step: Int, shard: Int) {
            if rangesFinished.load(ordering: .acquiring) < step * rangesPerStep { early.wrappingAdd(1, ordering: .relaxed) }
            Self.busy(.microseconds(100))
            shardRuns[step * shardsPerStep + shard].count.wrappingAdd(1, ordering: .relaxed)
            shardsFinished.wrappingAdd(1, ordering: .releasing)
        }

        func range(step: Int, range: Int) {
            if shardsFinished.load(ordering: .acquiring) < (step + 1) * shardsPerStep { early.wrappingAdd(1, ordering: .relaxed) }
            Self.busy(.microseconds(50))
            rangeRuns[step * rangesPerStep + range].count.wrappingAdd(1, ordering: .relaxed)
            rangesFinished.wrappingAdd(1, ordering: .releasing)
        }

        /// Shards and ranges run off the coordinator's thread.
        let byMembers = Atomic<Int>(0)

        /// The coordinator's part: every step, then the close; `pause`
        /// between steps stands for a slow callback.
        func coordinate(_ team: ShardTeam, steps: Int, pause: Duration? = nil) {
            for step in 0..<steps {
                if let pause, step > 0 { Thread.sleep(forTimeInterval: pause.inSeconds) }
                team.run(
                    step: step, parts: StepParts(shards: shardsPerStep, ranges: rangesPerStep),
                    runShard: { self.shard(step: step, shard: $0) }, runRange: { self.range(step: step, range: $0) })
                // Every range of the step is done when the coordinator gets it back.
                if rangesFinished.load(ordering: .acquiring) != (step + 1) * rangesPerStep {
                    early.wrappingAdd(1, ordering: .relaxed)
                }
            }
            team.close()
        }

        var everythingOnce: Bool {
            (shardRuns + rangeRuns).allSatisfy { $0.count.load(ordering: .relaxed) == 1 }
        }
    }

    /// As if `concurrentPerform` had no other worker: the coordinator runs
    /// every step itself, in order, without waiting for anyone.
    @Test("a lone coordinator runs every shard, then every range, step by step")
    func loneCoordinator() {
        let team = ShardTeam(members: 3)
        #expect(team.join())
        var log: [String] = []
        for step in 0..<2 {
            team.run(step: step, parts: StepParts(shards: 3, ranges: 3), runShard: { log.append("\(step)s\($0)") }, runRange: { log.append("\(step)r\($0)") })
        }
        team.close()
        #expect(log == ["0s0", "0s1", "0s2", "0r0", "0r1", "0r2", "1s0", "1s1", "1s2", "1r0", "1r1", "1r2"])
        // A member arriving after the close finds nothing to do.
        team.serve(partsOf: { _ in StepParts(shards: 3, ranges: 3) }, runShard: { _, _ in Issue.record("late shard") }, runRange: { _, _ in Issue.record("late range") })
    }

    @Test("a whole epoch in one call: each shard and range once, in step order", arguments: [2, 3, 8])
    func epochInOneCall(members: Int) {
        let steps = 40, shards = members
        let ledger = Ledger(steps: steps, shards: shards, ranges: shards)
        let team = ShardTeam(members: members)
        DispatchQueue.concurrentPerform(iterations: members) { _ in
            if team.join() {
                ledger.coordinate(team, steps: steps)
            } else {
                team.serve(partsOf: { _ in StepParts(shards: shards, ranges: shards) }, runShard: ledger.shard, runRange: ledger.range)
            }
        }
        #expect(team.wasCoordinated)
        #expect(ledger.everythingOnce)
        #expect(ledger.early.load(ordering: .relaxed) == 0)
    }

    /// Runs `scenario` (which reports whether the members took part) until
    /// they do, up to five times: other suites run beside this one and may
    /// hold both cores for the few milliseconds a scenario lasts. Every run's
    /// own checks hold whether or not the members got a core.
    static func untilMembersTakePart(_ scenario: () -> Bool) -> Bool {
        for _ in 1...5 where scenario() { return true }
        return false
    }

    /// Members on threads of their own, so that they surely take part
    /// (libdispatch may run a call's other iterations late, or after the
    /// coordinator's, when other calls hold its workers).
    @Test("members on their own threads share the steps, each shard and range once, in step order", arguments: [2, 3])
    func membersShareTheWork(members: Int) {
        let tookPart = Self.untilMembersTakePart {
            let steps = 40, shards = members
            let ledger = Ledger(steps: steps, shards: shards, ranges: shards)
            let team = ShardTeam(members: members)
            #expect(team.join())
            let done = DispatchGroup()
            for _ in 1..<members {
                done.enter()
                Thread {
                    #expect(!team.join())
                    team.serve(
                        partsOf: { _ in StepParts(shards: shards, ranges: shards) },
                        runShard: { ledger.byMembers.wrappingAdd(1, ordering: .relaxed); ledger.shard(step: $0, shard: $1) },
                        runRange: { ledger.byMembers.wrappingAdd(1, ordering: .relaxed); ledger.range(step: $0, range: $1) })
                    done.leave()
                }.start()
            }
            ledger.coordinate(team, steps: steps)
            done.wait()
            #expect(ledger.everythingOnce)
            #expect(ledger.early.load(ordering: .relaxed) == 0)
            return ledger.byMembers.load(ordering: .relaxed) > 0
        }
        #expect(tookPart)
    }

    /// A member that waited past `idleSpin` naps between checks; it must
    /// still see every step open, and take part.
    @Test("members that nap through slow callbacks still share the steps, each shard and range once, in step order")
    func nappingMembers() {
        let tookPart = Self.untilMembersTakePart {
            let steps = 20, members = 2
            let ledger = Ledger(steps: steps, shards: members, ranges: members)
            let team = ShardTeam(members: members, idleSpin: .zero)
            #expect(team.join())
            let done = DispatchGroup()
            done.enter()
            // Counts only the steps after a pause, which the member napped through.
            Thread {
                team.serve(
                    partsOf: { _ in StepParts(shards: members, ranges: members) },
                    runShard: { if $0 > 0 { ledger.byMembers.wrappingAdd(1, ordering: .relaxed) }; ledger.shard(step: $0, shard: $1) },
                    runRange: { if $0 > 0 { ledger.byMembers.wrappingAdd(1, ordering: .relaxed) }; ledger.range(step: $0, range: $1) })
                done.leave()
            }.start()
            ledger.coordinate(team, steps: steps, pause: .milliseconds(1))
            done.wait()
            #expect(ledger.everythingOnce)
            #expect(ledger.early.load(ordering: .relaxed) == 0)
            return ledger.byMembers.load(ordering: .relaxed) > 0
        }
        #expect(tookPart)
    }

    /// Nothing promises that `concurrentPerform` runs an iteration on the
    /// calling thread; a team made elsewhere has no coordinator, and its
    /// members must leave rather than wait for one.
    @Test("members leave when no iteration can coordinate", arguments: [1, 2, 4])
    func noCoordinator(members: Int) {
        let team = ShardTeam(members: members)
        let served = Counter()
        // Called from a pool thread, not this one (which `sync` would reuse).
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            DispatchQueue.concurrentPerform(iterations: members) { _ in
                if team.join() {
                    Issue.record("an iteration off the team's thread coordinated")
                } else {
                    team.serve(partsOf: { _ in StepParts(shards: 1, ranges: 1) }, runShard: { _, _ in }, runRange: { _, _ in })
                    served.count.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        group.wait()
        #expect(!team.wasCoordinated)
        #expect(served.count.load(ordering: .relaxed) == members)
    }
}
