import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C, SIGTERM and SIGHUP ask training to stop after the current minibatch rather
/// than killing it mid-update; a second Ctrl-C kills at once.
enum StopSignal {
    private static let requested = Atomic<Bool>(false)

    static func install() {
        // A parent may have started us with these signals blocked (some test
        // runners and process launchers do), which would make Ctrl-C a no-op.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGHUP)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        // A closed standard output (`ann train | head`) must not end the run:
        // a write to it fails instead, and the run goes on to its files.
        signal(SIGPIPE, SIG_IGN)
        for number in [SIGINT, SIGTERM, SIGHUP] {
            // The handler may only do async-signal-safe work: an atomic store
            // and restoring the default action.
            signal(number) { received in
                StopSignal.requested.store(true, ordering: .relaxed)
                signal(received, SIG_DFL)
            }
        }
    }

    static var isRequested: Bool { requested.load(ordering: .relaxed) }
}
