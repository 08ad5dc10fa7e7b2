/// The one place the engine tells the compiler that raw memory may cross into
/// `DispatchQueue.concurrentPerform` workers.
///
/// Raw pointers are not `Sendable`, and rightly so. What makes this use sound:
/// - every pointer wrapped here points into memory the owning engine object
///   allocated and keeps alive for longer than the parallel call;
/// - during a parallel call, the worker running shard `s` (or update range
///   `r`, or evaluation worker `w`) writes only to memory that belongs to it:
///   its workspace, its gradient block, its slot of a results array, or its
///   disjoint range of the parameter block;
/// - it reads shared memory that nobody writes while it can be read: the data
///   set not at all; the weights, the velocity and the shards' gradient
///   blocks, which the update ranges read and write, only once every shard's
///   pass has finished and released its writes, and the next step's shards
///   only once every range has (``ShardTeam``'s acquire/release counters,
///   and its opening of each step);
/// - the trainer itself, its progress and stop callbacks and the epoch's
///   outcome are used only by the iteration on the calling thread (the
///   team's coordinator), while that thread is inside the call;
/// - `concurrentPerform` returns only after every worker has finished, which
///   orders all of their writes before the caller's next read.
/// Besides ``TrainerHandoff``, nothing else in the engine uses `@unchecked Sendable`.
struct ShardAccess<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
