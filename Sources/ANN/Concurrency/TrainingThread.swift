import Foundation
import Synchronization

/// A stop request that any thread may raise (a Task's cancellation handler,
/// ``TrainingSession/cancel()``) and that the training thread reads before
/// every minibatch, as `ann` reads its Ctrl-C flag.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .relaxed) }

    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// The end of a run on a ``TrainingThread``, which any number of tasks may
/// wait for, before or after it comes.
final class RunOutcome: Sendable {
    typealias Value = Result<TrainingSummary, TrainingError>

    private let state = Mutex<(value: Value?, waiting: [CheckedContinuation<Value, Never>])>((nil, []))

    func finish(_ value: Value) {
        let waiting = state.withLock { state in
            state.value = value
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(returning: value) }
    }

    /// Waits for the run's end; cancelling the waiting task raises `stop`.
    func value(stopping stop: StopFlag) async -> Value {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
                let ready = state.withLock { state -> Value? in
                    if let value = state.value { return value }
                    state.waiting.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            stop.raise()
        }
    }
}

/// Runs one synchronous training call on a thread of its own.
///
/// Why a thread of its own: a run blocks for minutes, and fans out by itself
/// (`concurrentPerform` over shards, OpenMP teams in the kernels). Run from a
/// task, it would hold one of the cooperative pool's few threads (one per
/// core, shared by every task in the process) for all that time, and
/// cancelling the task could not reach it there. A `DispatchQueue` would
/// lend it a worker of libdispatch's pool, the pool that `concurrentPerform`
/// draws its workers from and that Swift's global executor runs on in Linux.
/// A `Thread` belongs to the run alone, for exactly its length, with a
/// stack of a known size and a name that shows in a debugger.
///
/// The trainer crosses to that thread in a ``TrainerHandoff``: a `Trainer`
/// is not `Sendable`, and the caller guarantees that nothing else uses it.
enum TrainingThread {
    /// Trains with `handoff.trainer` on a new thread; `progress` runs on it
    /// after every minibatch and epoch, `stop` is read there before every
    /// minibatch, and `finished` runs there last, with the outcome.
    static func start(
        _ handoff: TrainerHandoff, training: Dataset, test: Dataset?, checkpoints: CheckpointStore?,
        stop: StopFlag, progress: @escaping @Sendable (TrainingEvent) -> Void,
        finished: @escaping @Sendable (RunOutcome.Value) -> Void
    ) {
        let thread = Thread {
            let trainer = handoff.trainer
            let outcome = Result { () throws(TrainingError) -> TrainingSummary in
                try trainer.train(
                    on: training, test: test, checkpoints: checkpoints, progress: progress,
                    stopRequested: { stop.isRaised }, stopIsCancellation: true)
            }
            finished(outcome)
        }
        thread.name = "ANN training"
        // As deep as a main thread's: the kernels' OpenMP master runs here.
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// A trainer on its way to the ``TrainingThread`` that trains with it.
///
/// A `Trainer` is not `Sendable`: its buffers and position change with every
/// step. Moving one to another thread is sound when nothing else can reach
/// it while that thread trains: ``TrainingSession`` takes its trainer as
/// `sending`, so the compiler has checked that its caller keeps no way to
/// reach it, and the session itself never touches it.
/// Besides ``ShardAccess``, the only `@unchecked Sendable` in the engine.
struct TrainerHandoff: @unchecked Sendable {
    let trainer: Trainer
}
