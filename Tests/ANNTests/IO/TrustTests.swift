import Foundation
import Testing
@testable import ANN

#if canImport(Glibc)
import Glibc
#endif

/// Outputs that cannot clobber what is not a file, inputs that cannot hang,
/// checkpoints that cannot lie.
@Suite("Trusting files", .timeLimit(.minutes(1)))
struct TrustTests {
    @Test("a FIFO, a device behind a link, or a link to nothing is refused, never replaced")
    func oddTargetsAreRefused() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let fifo = directory.file("fifo"), device = directory.file("null"), dangling = directory.file("dangling")
        #expect(mkfifo(fifo, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: device, withDestinationPath: "/dev/null")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: directory.file("nothing"))
        for path in [fifo, device] {
            #expect(throws: FileWriteError(
                path: path,
                reason: "exists and is not a regular file (a folder, device, FIFO or socket); refusing to replace it")) {
                try AtomicFile.write([1, 2, 3], to: path)
            }
        }
        #expect(throws: FileWriteError(path: dangling, reason: "is a symbolic link to nothing; refusing to write through it")) {
            try AtomicFile.write([1], to: dangling)
        }
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: device) == "/dev/null")
    }

    @Test("a link to a file is written through and stays a link; a replaced file keeps its mode")
    func linksAndModes() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let file = directory.file("model"), link = directory.file("latest")
        try AtomicFile.write([1], to: file)
        #expect(chmod(file, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
        try AtomicFile.write([7, 8], to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == file)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: file))) == [7, 8])
        var status = stat()
        #expect(stat(file, &status) == 0 && status.st_mode & 0o777 == 0o600)
    }

    @Test("a FIFO as a data file or a model is refused at once, not waited on")
    func fifosDoNotHang() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let fifo = directory.file("train-images-idx3-ubyte")
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: DataError(file: fifo, reason: "is not a regular file")) { try IDXReader.readImages(at: fifo) }
        #expect(throws: ModelFileError(file: fifo, reason: "cannot read: not a regular file")) {
            try SafeTensors.read(from: fifo)
        }
    }

    static func checkpoint() throws -> TrainingCheckpoint {
        var settings = TrainingConfiguration()
        settings.epochs = 3
        settings.batchSize = 16
        let trainer = try Trainer(
            network: Network(architecture: NetworkArchitecture(layerSizes: [16, 8, 4]), seed: 1), configuration: settings)
        var calls = 0
        _ = try trainer.train(on: Dataset(clusteredDataset(samples: 64)), stopRequested: {
            calls += 1
            return calls == 6
        })
        return trainer.checkpoint
    }

    /// One flipped bit in the weights, an edited position, or a field no run
    /// writes: each is refused, and the store falls back to the checkpoint
    /// before it.
    @Test("a damaged or edited checkpoint is refused, and the store falls back to the previous one")
    func damagedCheckpoints() throws {
        let checkpoint = try Self.checkpoint()
        let bytes = checkpoint.safeTensors.encoded()
        let clean = try TrainingCheckpoint(SafeTensors.decode(bytes, source: "c"), source: "c")
        #expect(clean.parameters == checkpoint.parameters)

        var flipped = bytes
        flipped[flipped.count - 5] ^= 0x10
        #expect(throws: ModelFileError.self) { try TrainingCheckpoint(SafeTensors.decode(flipped, source: "c"), source: "c") }

        var edited = checkpoint.safeTensors
        edited.metadata["step_in_epoch"] = "966"
        #expect(throws: ModelFileError.self) { try TrainingCheckpoint(edited, source: "c") }
        do {
            _ = try TrainingCheckpoint(edited, source: "c")
        } catch {
            #expect(error.reason.hasPrefix("is damaged: its contents sum to crc32:"))
        }

        // Well-formed and summed, but out of range or not finite.
        var impossible = checkpoint
        impossible.position.epochsCompleted = Int.max
        var notFinite = checkpoint
        notFinite.parameters[3] = .nan
        for (name, bad) in [("position", impossible), ("weights", notFinite)] {
            #expect(throws: ModelFileError.self, "\(name)") { try TrainingCheckpoint(bad.safeTensors, source: "c") }
        }

        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.path)
        let older = try store.save(checkpoint)
        var later = checkpoint
        later.position.stepInEpoch += 1
        let newest = try store.save(later)
        var damaged = try [UInt8](Data(contentsOf: URL(fileURLWithPath: newest)))
        damaged[damaged.count - 9] ^= 0x01
        try Data(damaged).write(to: URL(fileURLWithPath: newest))
        let (found, skipped) = store.newestValid()
        #expect(found?.stepInEpoch == checkpoint.stepInEpoch)
        #expect(skipped.count == 1 && skipped[0].file == newest)
        #expect(older != newest)
    }

    @Test("a save removes the temporary files of writes whose process is gone, and only those")
    func abandonedTemporaryFiles() throws {
        let directory = try ScratchDirectory()
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let abandoned = ".checkpoint-e000001-s000000000.safetensors.tmp-\(gone.processIdentifier)-1f"
        let live = ".checkpoint-e000001-s000000000.safetensors.tmp-\(getpid())-2e"
        for name in [abandoned, live] {
            #expect(FileManager.default.createFile(atPath: directory.file(name), contents: Data([1, 2, 3])))
        }
        try CheckpointStore(directory: directory.path).save(try Self.checkpoint())
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!names.contains(abandoned))
        #expect(names.contains(live))
    }

    static func trainer(seed: UInt64) throws -> Trainer {
        var settings = TrainingConfiguration()
        settings.epochs = 4
        settings.batchSize = 16
        settings.seed = seed
        return try Trainer(
            network: Network(architecture: NetworkArchitecture(layerSizes: [16, 8, 4]), seed: seed), configuration: settings)
    }

    /// Two runs in one folder: each prunes only its own files, and resumes
    /// only its own newest checkpoint.
    @Test("checkpoints are named by their run; pruning and resuming keep to it")
    func runsKeepToThemselves() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.path)
        let data = Dataset(clusteredDataset(samples: 64))
        _ = try Self.trainer(seed: 1).train(on: data, checkpoints: store)
        let second = try Self.trainer(seed: 2)
        _ = try second.train(on: data, checkpoints: store)
        let runOne = try #require(store.newestValid().checkpoint?.run)
        let all = store.files()
        #expect(all.count == 4)
        #expect(Set(all.map { URL(fileURLWithPath: $0).lastPathComponent.prefix(28) }).count == 2)
        let own = try #require(second.checkpoint.run)
        #expect(store.newestValid(of: own).checkpoint?.configuration.seed == 2)
        #expect(store.files(of: own).count == 2)
        #expect(runOne.data == own.data)
    }

    @Test("a run holds its checkpoint folder; a second one at the same time is refused")
    func folderLock() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.path)
        var refusal: ModelFileError?
        _ = try Self.trainer(seed: 1).train(on: Dataset(clusteredDataset(samples: 64)), checkpoints: store, progress: { _ in
            guard refusal == nil else { return }
            do throws(ModelFileError) {
                _ = try store.lock()
            } catch {
                refusal = error
            }
        })
        #expect(refusal?.reason == "another run is writing checkpoints in this folder; give each run a folder of its own")
        // Released with the run.
        _ = try store.lock()
    }

    @Test("a checkpoint resumes only on the data it was made on")
    func otherData() throws {
        let trainer = try Self.trainer(seed: 1)
        var calls = 0
        _ = try trainer.train(on: Dataset(clusteredDataset(samples: 64)), stopRequested: {
            calls += 1
            return calls == 3
        })
        let resumed = try Trainer(resuming: trainer.checkpoint, configuration: trainer.configuration)
        #expect(throws: TrainingError.self) { try resumed.train(on: Dataset(clusteredDataset(samples: 64, seed: 99))) }
    }

    @Test("a model path is taken by one run at a time; its lock file goes with the lock")
    func modelPathLock() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let model = directory.file("model.safetensors")
        var lock: ExclusiveLock? = try SafeTensors.lockForWriting(model)
        #expect(throws: ModelFileError(
            file: model, reason: "another run is writing this file; give each run an output of its own")) {
            try SafeTensors.lockForWriting(model)
        }
        withExtendedLifetime(lock) {}
        lock = nil
        #expect(try directory.entries().isEmpty)
        _ = try SafeTensors.lockForWriting(model)
    }
}
