import ANN
import ArgumentParser
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What the engine sees of this machine: the CPU, its cores, the kernels' vector width, the subnormal mode.")

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let profile = MachineProfile.current
        if json {
            FileHandleOutput.standardOutput.write(JSONLine.encode(InfoLine(profile)) + "\n")
            return
        }
        let vectors = profile.vectorWidth == 16 ? "16 floats (AVX-512)" : "8 floats"
        let subnormals = profile.flushesSubnormals
            ? "flushed to zero by default (--subnormals keep keeps them)"
            : "kept (this architecture has no flush mode the engine sets)"
        FileHandleOutput.standardOutput.write("""
            cpu: \(profile.cpuName)
            cores available: \(profile.cores)
            OpenMP default threads: \(profile.openMPThreads)
            dense kernel vectors: \(vectors)
            subnormal floats: \(subnormals)
            bfloat16 products (--precision bf16): \(profile.bfloat16Path)

            """)
    }
}

struct InfoLine: Encodable {
    let type = "info"
    let cpu: String
    let cores: Int
    let openmp_threads: Int
    let vector_width: Int
    let flushes_subnormals: Bool
    let bfloat16_instructions: Bool
    let bfloat16_path: String

    init(_ profile: MachineProfile) {
        cpu = profile.cpuName
        cores = profile.cores
        openmp_threads = profile.openMPThreads
        vector_width = profile.vectorWidth
        flushes_subnormals = profile.flushesSubnormals
        bfloat16_instructions = profile.hasBFloat16Instructions
        bfloat16_path = profile.bfloat16Path.rawValue
    }
}
