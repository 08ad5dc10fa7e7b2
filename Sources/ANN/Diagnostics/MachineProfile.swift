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
    /// The instructions ``Precision/bf16`` multiplies with here.
    public let bfloat16Path: BFloat16Path

    /// Whether ``Precision/bf16`` runs on bfloat16 instructions here (AMX or
    /// AVX512-BF16), rather than on operands rounded to bfloat16 and
    /// multiplied in fp32, which is no faster than fp32.
    public var hasBFloat16Instructions: Bool { bfloat16Path != .portable }

    /// This machine, as this process sees it.
    public static var current: MachineProfile {
        MachineProfile(
            cpuName: cpuModelName(), cores: ShardPlan.availableCores, openMPThreads: Int(ann_openmp_max_threads()),
            vectorWidth: Int(ann_dense_vector_width()), flushesSubnormals: FloatingPointMode.canFlush,
            bfloat16Path: BFloat16Path(kernelPath: ann_bf16_path()))
    }
}

/// How the bfloat16 products of a mixed-precision run are computed, the
/// fastest a CPU allows (each path sums in its own fixed order, so runs
/// are bit-identical only on the same path).
public enum BFloat16Path: String, Sendable, Codable, CustomStringConvertible {
    /// AMX tiles (TDPBF16PS): Intel Sapphire Rapids and later.
    case amx
    /// AVX512-BF16 (VDPBF16PS): AMD Zen 4 and later, Intel Cooper Lake.
    case avx512bf16 = "avx512-bf16"
    /// Operands rounded to bfloat16 and multiplied in fp32: any CPU, no faster than fp32.
    case portable

    init(kernelPath: Int32) {
        switch kernelPath {
        case Int32(ANN_BF16_AMX): self = .amx
        case Int32(ANN_BF16_AVX512): self = .avx512bf16
        default: self = .portable
        }
    }

    public var description: String {
        switch self {
        case .amx: "AMX tiles (TDPBF16PS)"
        case .avx512bf16: "AVX512-BF16 (VDPBF16PS)"
        case .portable: "portable: operands rounded to bfloat16, multiplied in fp32 (no AMX or AVX512-BF16 here)"
        }
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
