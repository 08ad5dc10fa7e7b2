import Foundation

/// libomp settings for a process that does nothing but train.
enum OpenMPSettings {
    /// By default libomp's waiting team threads call sched_yield on every
    /// turn of their wait loop. In a VM that system call costs about a
    /// microsecond, and a training step forks a team about nine times, so a
    /// thread is often inside one when the next kernel wants it: on 2 threads
    /// at batch 64, spinning without yielding trained about 2% faster
    /// (README, Performance). It is a setting for a dedicated process only:
    /// beside other busy threads (a parallel test run, an application's own
    /// work) a spinning thread takes their core, so the library leaves it
    /// alone. Must run before the first OpenMP call; a KMP_USE_YIELD the user
    /// has set wins.
    static func spinWithoutYielding() {
        setenv("KMP_USE_YIELD", "0", 0)
    }
}
