/// The one place the engine tells the compiler that raw memory may cross into
/// `DispatchQueue.concurrentPerform` workers.
///
/// Raw pointers are not `Sendable`, and rightly so. What makes this use sound:
/// - every pointer wrapped here points into memory the owning engine object
///   allocated and keeps alive for longer than the parallel call;
/// - during a parallel call, worker `s` writes only to memory that belongs to
///   shard `s` (its workspace, its gradient block, its slot of a results array,
///   or its disjoint range of the parameter block), and reads shared memory
///   (weights, the data set) that nobody writes until the call returns;
/// - `concurrentPerform` returns only after every worker has finished, which
///   orders all of their writes before the caller's next read.
/// Nothing else in the engine uses `@unchecked Sendable`.
struct ShardAccess<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
