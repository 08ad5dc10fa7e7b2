import Foundation

/// A folder of checkpoints, one file per save, named so that the newest
/// sorts last. The two newest are kept, so a damaged newest file still leaves
/// one to resume from.
public struct CheckpointStore: Sendable {
    /// The folder holding the checkpoint files.
    public let directory: String
    /// How many checkpoint files survive a save.
    public var keep = 2

    /// A store in `directory` (created on the first save).
    public init(directory: String) {
        self.directory = directory
    }

    /// Writes a checkpoint whole (temporary file, then rename) and prunes old ones.
    @discardableResult
    public func save(_ checkpoint: TrainingCheckpoint) throws(ModelFileError) -> String {
        try createFolder()
        removeAbandonedTemporaryFiles()
        let name = Self.prefix(of: checkpoint.run)
            + String(format: "e%06d-s%09d.safetensors", checkpoint.epochsCompleted, checkpoint.stepInEpoch)
        let path = (directory as NSString).appendingPathComponent(name)
        try checkpoint.safeTensors.write(to: path)
        // Only this run's older files: another run's are not this one's to prune.
        for old in files(of: checkpoint.run).dropLast(keep) where old != path {
            try? FileManager.default.removeItem(atPath: old)
        }
        return path
    }

    /// The start of the names of `run`'s checkpoint files.
    private static func prefix(of run: RunIdentity?) -> String {
        "checkpoint-" + (run.map { "\($0)-" } ?? "")
    }

    /// The temporary files of checkpoint writes whose process is gone (a
    /// run killed mid-write): `.checkpoint-….safetensors.tmp-PID-…`.
    private func removeAbandonedTemporaryFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(".checkpoint-e") {
            guard let marker = name.range(of: ".safetensors.tmp-") else { continue }
            let pid = name[marker.upperBound...].prefix { $0.isNumber }
            guard let process = Int32(pid), !Self.isRunning(process) else { continue }
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(name))
        }
    }

    private static func isRunning(_ process: Int32) -> Bool {
        kill(process, 0) == 0 || errno == EPERM
    }

    /// Checkpoint files of `run` (of every run when nil), oldest first.
    public func files(of run: RunIdentity? = nil) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let prefix = Self.prefix(of: run)
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".safetensors") }
            .sorted { Self.position(of: $0) < Self.position(of: $1) }
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The epoch and step a file name records, to order files across runs;
    /// a name's run comes first, so names alone sort by run.
    private static func position(of name: String) -> String {
        name.range(of: "-e", options: .backwards).map { String(name[$0.lowerBound...]) } ?? name
    }

    /// The newest checkpoint of `run` (of any run when nil) that loads
    /// cleanly, and the reasons newer ones were skipped.
    public func newestValid(of run: RunIdentity? = nil) -> (checkpoint: TrainingCheckpoint?, skipped: [ModelFileError]) {
        var skipped: [ModelFileError] = []
        for path in files(of: run).reversed() {
            do {
                let file = try SafeTensors.read(from: path)
                return (try TrainingCheckpoint(file, source: path), skipped)
            } catch {
                skipped.append(error)
            }
        }
        return (nil, skipped)
    }

    /// Takes the folder for one run: a second run writing checkpoints here
    /// at the same time would prune the first one's files or overwrite its
    /// progress. Released when the lock goes.
    public func lock() throws(ModelFileError) -> ExclusiveLock {
        try createFolder()
        return try ExclusiveLock(
            lockFile: (directory as NSString).appendingPathComponent(".lock"), owner: directory,
            inUse: "another run is writing checkpoints in this folder; give each run a folder of its own", removeAfter: false)
    }

    /// Makes the folder if it is missing, and flushes its entry in its
    /// parent, so that a crash cannot lose a folder its checkpoints were written to.
    private func createFolder() throws(ModelFileError) {
        guard !FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelFileError(file: directory, reason: "cannot create the checkpoint folder: \(error.localizedDescription)")
        }
        do {
            try AtomicFile.syncDirectory(AtomicFile.split(directory).directory, target: directory)
        } catch {
            throw ModelFileError(file: directory, reason: error.reason)
        }
    }
}

/// An exclusive lock (`flock` on a lock file), held until this value goes
/// away or the process ends: on a checkpoint folder (its `.lock`), or on a
/// model path (a hidden `.NAME.lock` beside it, removed with the lock).
public final class ExclusiveLock: Sendable {
    private let descriptor: Int32
    private let removable: String?

    init(lockFile path: String, owner: String, inUse: String, removeAfter: Bool) throws(ModelFileError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ModelFileError(file: owner, reason: SystemError.lastError(during: "opening its lock file \(path)"))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ModelFileError(file: owner, reason: inUse)
        }
        self.descriptor = descriptor
        removable = removeAfter ? path : nil
    }

    deinit {
        // Unlinked while still held: a run that opened it meanwhile waits on
        // this very file, and one that comes later makes a new one.
        if let removable { unlink(removable) }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
