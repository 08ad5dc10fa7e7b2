import ANN
import ArgumentParser
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What the engine sees of this machine: cores, vector width, and how long an OpenMP team takes to synchronise.",
        discussion: """
            The synchronisation figures say how far apart the cores are right now: \
            on a shared machine they can grow severalfold for minutes at a time, \
            and small minibatches then scale worse (scripts/scaling records them).
            """)

    @Option(help: "Threads in the measured OpenMP team (default: every core).")
    var threads = ShardPlan.availableCores

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        do {
            if threads < 1 { throw ConfigurationError(flag: "--threads", reason: "must be at least 1 (got \(threads))") }
            // Measured as `ann train` runs its teams.
            OpenMPSettings.spinWithoutYielding()
            let profile = MachineProfile.measure(threads: threads)
            if json {
                FileHandleOutput.standardOutput.write(JSONLine.encode(InfoLine(profile)) + "\n")
                return
            }
            let vectors = profile.vectorWidth == 16 ? "16 floats (AVX-512)" : "8 floats"
            FileHandleOutput.standardOutput.write("""
                cores available:          \(profile.cores)
                OpenMP default threads:   \(profile.openMPThreads)
                dense kernel vectors:     \(vectors)
                OpenMP team of \(profile.probeThreads):         \
                fork/join \(String(format: "%.2f", profile.forkJoinMicroseconds)) µs, \
                barrier \(String(format: "%.2f", profile.barrierMicroseconds)) µs

                """)
        } catch {
            throw reportFailure(error)
        }
    }
}

struct InfoLine: Encodable {
    let type = "info"
    let cores: Int
    let openmp_threads: Int
    let vector_width: Int
    let probe_threads: Int
    let fork_join_us: Double
    let barrier_us: Double

    init(_ profile: MachineProfile) {
        cores = profile.cores
        openmp_threads = profile.openMPThreads
        vector_width = profile.vectorWidth
        probe_threads = profile.probeThreads
        fork_join_us = profile.forkJoinMicroseconds
        barrier_us = profile.barrierMicroseconds
    }
}
