// `ann-mpi train …`: `ann train` as one process of an MPI job. Every process
// takes its share of the shards of every minibatch; they exchange the
// shards' gradients and all take the same step. Process 0 alone prints and
// writes files.
//
//     mpirun -np 2 ann-mpi train --threads 1 --save model.safetensors
import ANNCommandLine
import ANNMPI
import ArgumentParser
import Foundation

struct ANNMPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ann-mpi",
        abstract: "Train across the processes of an MPI job: mpirun -np K ann-mpi train [ann train's flags].",
        subcommands: [Train.self])
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "ann train, as one of the processes of an MPI job.",
        discussion: """
            Every process reads the data set and runs its share of the shards of every \
            minibatch (--shards, at least one per process); the weights are those of one \
            process running every shard, bit for bit. --threads is per process (by default, the \
            machine's cores shared among its processes). Process 0 \
            prints progress and writes --save, --report and the checkpoints; --resume reads \
            them in every process (on several machines, from a folder they share).
            """)

    @OptionGroup var train: TrainCommand

    func run() throws {
        let group: MPIProcessGroup
        do {
            group = try MPIProcessGroup.world()
        } catch {
            FileHandle.standardError.write(Data("ann-mpi: error: \(error)\n".utf8))
            throw ExitCode(70)
        }
        defer { MPIProcessGroup.finalize() }
        try train.run(together: TrainingProcesses(
            group: group, processesOnThisMachine: group.processesOnThisMachine, abort: MPIProcessGroup.abort))
    }
}

ANNMPICommand.main()
