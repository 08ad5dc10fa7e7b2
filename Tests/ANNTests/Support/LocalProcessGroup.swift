import Dispatch
import Foundation
@testable import ANN

/// Processes of a ``ProcessGroup`` played by threads of one process, for
/// tests: each thread trains with its own ``LocalProcess``, and every
/// gather is two barriers, between which each copies the others' values
/// from their buffers. A process that stops taking part (`fail()`) breaks
/// the group: the others' gathers throw instead of waiting for ever.
final class LocalProcessHub: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0, generation = 0
    private var buffers: [UnsafeMutableRawPointer?]
    private var broken: String?

    init(size: Int) {
        self.size = size
        buffers = Array(repeating: nil, count: size)
    }

    /// The group's processes, one per rank.
    func processes() -> [LocalProcess] { (0..<size).map { LocalProcess(hub: self, rank: $0) } }

    func fail(rank: Int) {
        condition.lock()
        broken = broken ?? "process \(rank) left the group"
        condition.broadcast()
        condition.unlock()
    }

    func allGather<Value>(
        rank: Int, _ values: UnsafeMutablePointer<Value>, counts: [Int], offsets: [Int]
    ) throws(ProcessGroupError) {
        condition.lock()
        buffers[rank] = UnsafeMutableRawPointer(values)
        condition.unlock()
        try barrier()
        for other in 0..<size where other != rank {
            guard let source = buffers[other]?.assumingMemoryBound(to: Value.self) else { continue }
            (values + offsets[other]).update(from: source + offsets[other], count: counts[other])
        }
        try barrier()
    }

    private func barrier() throws(ProcessGroupError) {
        condition.lock()
        defer { condition.unlock() }
        if let broken { throw ProcessGroupError(reason: broken) }
        let mine = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
            return
        }
        while generation == mine && broken == nil { condition.wait() }
        if generation == mine, let broken { throw ProcessGroupError(reason: broken) }
    }
}

final class LocalProcess: ProcessGroup, @unchecked Sendable {
    let hub: LocalProcessHub
    let rank: Int
    var size: Int { hub.size }

    init(hub: LocalProcessHub, rank: Int) {
        self.hub = hub
        self.rank = rank
    }

    func allGather(_ values: UnsafeMutablePointer<Float>, counts: [Int], offsets: [Int]) throws(ProcessGroupError) {
        try hub.allGather(rank: rank, values, counts: counts, offsets: offsets)
    }

    func allGather(_ values: UnsafeMutablePointer<Double>, counts: [Int], offsets: [Int]) throws(ProcessGroupError) {
        try hub.allGather(rank: rank, values, counts: counts, offsets: offsets)
    }
}

/// Runs `body(rank)` on a thread of its own for every rank, and returns
/// their results in rank order.
func onEveryRank<Result: Sendable>(_ size: Int, _ body: @escaping @Sendable (Int) -> Result) -> [Result] {
    let box = RankResults<Result>(results: Array(repeating: nil, count: size))
    let lock = NSLock(), done = DispatchGroup()
    for rank in 0..<size {
        done.enter()
        let thread = Thread {
            let result = body(rank)
            lock.lock()
            box.results[rank] = result
            lock.unlock()
            done.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    done.wait()
    return box.results.compactMap { $0 }
}

private final class RankResults<Result>: @unchecked Sendable {
    var results: [Result?]
    init(results: [Result?]) { self.results = results }
}
