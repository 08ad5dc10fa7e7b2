import CANNKernels
import Foundation

/// What the engine sees of the machine it runs on, for people deciding how
/// many threads to ask for and for benchmark reports.
public struct MachineProfile: Sendable, Codable, Equatable {
    /// The processor's model name as the operating system reports it.
    public let cpuName: String
    /// Cores this process may run on.
    public let cores: Int
    /// Threads OpenMP would use by default.
    public let openMPThreads: Int
    /// Floats per vector in the dense kernels' tiles: 16 with AVX-512, else 8.
    public let vectorWidth: Int
    /// Whether the engine can flush subnormal floats here (``Subnormals/flush``).
    public let flushesSubnormals: Bool
    /// Whether ``Precision/bf16`` runs on bfloat16 instructions here
    /// (AVX512-BF16), rather than on operands rounded to bfloat16 and
    /// multiplied in fp32, which is no faster than fp32.
    public let hasBFloat16Instructions: Bool

    /// This machine, as this process sees it.
    public static var current: MachineProfile {
        MachineProfile(
            cpuName: cpuModelName(), cores: ShardPlan.availableCores, openMPThreads: Int(ann_openmp_max_threads()),
            vectorWidth: Int(ann_dense_vector_width()), flushesSubnormals: FloatingPointMode.canFlush,
            hasBFloat16Instructions: ann_bf16_path() == Int32(ANN_BF16_AVX512))
    }
}

/// The processor as /proc/cpuinfo (Linux) names it, with its family and
/// model numbers where it gives them (a VM may show only "AMD EPYC"), else
/// the machine's architecture: what a reader needs to know which CPU a
/// figure belongs to.
func cpuModelName() -> String {
    if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
        let fields = info.split(separator: "\n").prefix { !$0.isEmpty }
        func field(_ name: String) -> String? {
            guard let line = fields.first(where: { $0.hasPrefix(name) }), let colon = line.firstIndex(of: ":") else {
                return nil
            }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if let name = field("model name") {
            guard let family = field("cpu family"), let model = field("model\t") else { return name }
            return "\(name) (family \(family), model \(model))"
        }
    }
    var system = utsname()
    uname(&system)
    return withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}
