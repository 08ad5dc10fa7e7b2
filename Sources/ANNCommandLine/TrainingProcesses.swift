import ANN

/// The processes an `ann train` runs with when it is one of several (MPI's
/// `ann-mpi train`), and how to stop them all at once.
public struct TrainingProcesses {
    /// The group this process trains in.
    public let group: any ProcessGroup
    /// Ends every process of the group with this exit status (MPI_Abort):
    /// for a failure one process meets alone once training has started,
    /// while the others would wait for it.
    public let abort: (Int32) -> Never
    /// Processes of the group on this machine, which share its cores: each
    /// trains on its share of them unless `--threads` says otherwise.
    public let processesOnThisMachine: Int

    public init(group: any ProcessGroup, processesOnThisMachine: Int, abort: @escaping (Int32) -> Never) {
        self.group = group
        self.processesOnThisMachine = processesOnThisMachine
        self.abort = abort
    }
}
