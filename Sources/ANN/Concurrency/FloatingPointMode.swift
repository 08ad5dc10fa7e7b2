import CANNKernels

/// What the engine's arithmetic does with subnormal floats: the values whose
/// magnitude lies below 2⁻¹²⁶ (about 1.18·10⁻³⁸).
public enum Subnormals: String, CaseIterable, Sendable, Codable {
    /// Read and produced as zero: FTZ and DAZ on x86-64, FZ on arm64. The
    /// default. Momentum velocities and small gradients decay into
    /// subnormals as training goes on, and many Intel cores take a microcode
    /// assist, dozens of cycles, on every operation that meets one.
    case flush
    /// Kept, as IEEE 754 asks.
    case keep
}

/// The floating-point mode the engine computes in, set on one thread and
/// undone there: round to nearest, no traps, subnormals as asked. Results
/// then depend on the settings alone, not on the mode the caller's thread
/// happens to be in, and the caller finds its own mode again afterwards.
struct FloatingPointMode {
    /// The thread's mode before ``enter(_:)``.
    let caller: UInt64
    let engine: UInt64

    /// Sets the engine's mode on this thread.
    static func enter(_ subnormals: Subnormals) -> FloatingPointMode {
        let caller = ann_fp_mode()
        let engine = ann_engine_fp_mode(caller, subnormals == .flush ? 1 : 0)
        if engine != caller { ann_set_fp_mode(engine) }
        return FloatingPointMode(caller: caller, engine: engine)
    }

    /// Puts the caller's mode back.
    func leave() {
        if engine != caller { ann_set_fp_mode(caller) }
    }

    /// Runs the caller's code (a progress callback, say) in the caller's mode.
    func outside<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        leave()
        defer { if engine != caller { ann_set_fp_mode(engine) } }
        return try body()
    }

    /// Runs `body` in the engine's mode.
    static func run<Result, Failure: Error>(
        _ subnormals: Subnormals, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let mode = enter(subnormals)
        defer { mode.leave() }
        return try body()
    }

    /// Whether this architecture can flush subnormals (x86-64 and arm64 can).
    static var canFlush: Bool { ann_can_flush_subnormals() != 0 }
}
