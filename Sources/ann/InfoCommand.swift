import ANN
import ArgumentParser
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What the engine sees of this machine: cores, vector width, and how long an OpenMP team takes to synchronise.",
        discussion: """
            The synchronisation figures say how close the cores are right now: on a \
            shared machine they can grow severalfold for minutes at a time, and small \
            minibatches then scale worse (scripts/scaling records the fork/join time \
            before every multi-thread run). Like `ann train`, the team never has more \
            threads than there are cores.
            """)

    @Option(help: "Threads in the measured OpenMP team (default and most: every core).")
    var threads = ShardPlan.availableCores

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        do {
            if threads < 1 { throw ConfigurationError(flag: "--threads", reason: "must be at least 1 (got \(threads))") }
            // A team larger than the cores only measures threads waiting for a
            // core, and `ann train` never makes one.
            let profile = MachineProfile.measure(threads: min(threads, ShardPlan.availableCores))
            if json {
                FileHandleOutput.standardOutput.write(JSONLine.encode(InfoLine(profile)) + "\n")
                return
            }
            let vectors = profile.vectorWidth == 16 ? "16 floats (AVX-512)" : "8 floats"
            let subnormals = profile.flushesSubnormals
                ? "flushed to zero by default (--subnormals keep keeps them)" : "kept (this architecture has no flush mode the engine sets)"
            let capped = threads > profile.probeThreads ? " (\(threads) requested)" : ""
            FileHandleOutput.standardOutput.write("""
                cores available: \(profile.cores)
                OpenMP default threads: \(profile.openMPThreads)
                cpu: \(profile.cpuName)
                dense kernel vectors: \(vectors)
                subnormal floats: \(subnormals)
                OpenMP team of \(profile.probeThreads)\(capped): \
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
    let cpu: String
    let flushes_subnormals: Bool
    let probe_threads: Int
    let fork_join_us: Double
    let barrier_us: Double

    init(_ profile: MachineProfile) {
        cores = profile.cores
        openmp_threads = profile.openMPThreads
        vector_width = profile.vectorWidth
        cpu = profile.cpuName
        flushes_subnormals = profile.flushesSubnormals
        probe_threads = profile.probeThreads
        // Nanosecond resolution is all a clock read gives.
        fork_join_us = (profile.forkJoinMicroseconds * 1000).rounded() / 1000
        barrier_us = (profile.barrierMicroseconds * 1000).rounded() / 1000
    }
}
