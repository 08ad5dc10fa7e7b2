import ANN
import CMPI

/// The processes of an MPI job (`MPI_COMM_WORLD`) as a ``ProcessGroup``:
/// pass it to `Trainer(network:configuration:group:)` in every process of
/// an `mpirun`, and they train one network together.
///
/// Make it once per process, on the thread that will call `train`, which
/// is the only thread that calls MPI (`MPI_THREAD_FUNNELED`); call
/// ``finalize()`` before the process exits.
public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int
    /// Processes of the job on this machine, sharing its cores.
    public let processesOnThisMachine: Int
    /// The last gather's layout in MPI's integers, kept so that a step, which
    /// gathers with the same layout every time, allocates nothing.
    private var layout: (counts: [Int], offsets: [Int], mpiCounts: [Int32], mpiOffsets: [Int32])?

    /// Initialises MPI (once per process) and joins the job's processes.
    public static func world() throws(ProcessGroupError) -> MPIProcessGroup {
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        // Errors come back as codes, to be reported with the process's rank,
        // rather than ending the job where they happen.
        try check(MPI_Comm_set_errhandler(ann_mpi_world(), ann_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(ann_mpi_world(), &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(ann_mpi_world(), &size), "MPI_Comm_size")
        return MPIProcessGroup(rank: Int(rank), size: Int(size), processesOnThisMachine: Int(ann_mpi_local_size()))
    }

    private init(rank: Int, size: Int, processesOnThisMachine: Int) {
        self.rank = rank
        self.size = size
        self.processesOnThisMachine = processesOnThisMachine
    }

    /// Leaves the job; every process calls it once, last.
    public static func finalize() {
        _ = MPI_Finalize()
    }

    /// Ends every process of the job with `code` (`MPI_Abort`).
    public static func abort(_ code: Int32) -> Never {
        _ = MPI_Abort(ann_mpi_world(), code)
        fatalError("MPI_Abort returned")
    }

    public func allGather(_ values: UnsafeMutablePointer<Float>, counts: [Int], offsets: [Int]) throws(ProcessGroupError) {
        let (mpiCounts, mpiOffsets) = mpiLayout(counts: counts, offsets: offsets)
        try Self.check(
            MPI_Allgatherv(ann_mpi_in_place(), 0, ann_mpi_float(), values, mpiCounts, mpiOffsets, ann_mpi_float(), ann_mpi_world()),
            "MPI_Allgatherv of \(counts[rank]) floats on process \(rank)")
    }

    public func allGather(_ values: UnsafeMutablePointer<Double>, counts: [Int], offsets: [Int]) throws(ProcessGroupError) {
        let (mpiCounts, mpiOffsets) = mpiLayout(counts: counts, offsets: offsets)
        try Self.check(
            MPI_Allgatherv(ann_mpi_in_place(), 0, ann_mpi_double(), values, mpiCounts, mpiOffsets, ann_mpi_double(), ann_mpi_world()),
            "MPI_Allgatherv of \(counts[rank]) doubles on process \(rank)")
    }

    /// MPI counts and displacements are C ints: a gather of more than 2³¹
    /// values would need another datatype, which no network here comes near.
    private func mpiLayout(counts: [Int], offsets: [Int]) -> ([Int32], [Int32]) {
        if let layout, layout.counts == counts, layout.offsets == offsets { return (layout.mpiCounts, layout.mpiOffsets) }
        let converted = (counts.map { Int32(clamping: $0) }, offsets.map { Int32(clamping: $0) })
        layout = (counts, offsets, converted.0, converted.1)
        return converted
    }

    private static func check(_ code: Int32, _ call: String) throws(ProcessGroupError) {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        _ = MPI_Error_string(code, &text, &length)
        let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw ProcessGroupError(reason: "\(call) failed: \(message)")
    }
}
