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
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelFileError(file: directory, reason: "cannot create the checkpoint folder: \(error.localizedDescription)")
        }
        removeAbandonedTemporaryFiles()
        let name = String(format: "checkpoint-e%06d-s%09d.safetensors", checkpoint.epochsCompleted, checkpoint.stepInEpoch)
        let path = (directory as NSString).appendingPathComponent(name)
        try checkpoint.safeTensors.write(to: path)
        for old in files().dropLast(keep) where old != path {
            try? FileManager.default.removeItem(atPath: old)
        }
        return path
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

    /// Checkpoint files, oldest first.
    public func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("checkpoint-e") && $0.hasSuffix(".safetensors") }
            .sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The newest checkpoint that loads cleanly, and the reasons newer ones were skipped.
    public func newestValid() -> (checkpoint: TrainingCheckpoint?, skipped: [ModelFileError]) {
        var skipped: [ModelFileError] = []
        for path in files().reversed() {
            do {
                let file = try SafeTensors.read(from: path)
                return (try TrainingCheckpoint(file, source: path), skipped)
            } catch {
                skipped.append(error)
            }
        }
        return (nil, skipped)
    }
}
