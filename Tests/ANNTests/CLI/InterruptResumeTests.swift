import Foundation
import Testing
@testable import ANN

@Suite("Ctrl-C and --resume")
struct InterruptResumeTests {
    static let flags = ["train", "--epochs", "3", "--threads", "2", "--seed", "3"]

    @Test("SIGINT or SIGHUP writes a checkpoint and exits 130; --resume ends with the uninterrupted run's weights",
          .enabled(if: FileManager.default.fileExists(atPath: fetchedMNISTPath + "/train-images-idx3-ubyte")),
          arguments: [SIGINT, SIGHUP])
    func interruptAndResume(signal: Int32) throws {
        let directory = try ScratchDirectory()
        let data = ["--data-dir", fetchedMNISTPath]
        let reference = directory.file("reference.safetensors")
        let full = try AnnCommand.run(Self.flags + data + ["--save", reference])
        #expect(full.status == 0, "\(full.standardError)")

        // Interrupt as soon as training starts (the plan line comes just before the first step).
        let checkpoints = directory.file("checkpoints")
        let resumedModel = directory.file("resumed.safetensors")
        let (status, message) = try AnnCommand.runInterrupted(
            Self.flags + data + ["--checkpoint-dir", checkpoints, "--save", resumedModel], signal: signal)
        #expect(status == 130)
        #expect(message.contains("interrupted at epoch"))
        #expect(message.contains("--resume"))
        #expect(!FileManager.default.fileExists(atPath: resumedModel))

        let resumed = try AnnCommand.run(Self.flags + data + ["--checkpoint-dir", checkpoints, "--save", resumedModel, "--resume"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("resuming from epoch"))
        #expect(try Network.load(from: resumedModel) == Network.load(from: reference))
    }

    @Test("--resume without a folder or a checkpoint is refused")
    func resumeNeedsCheckpoint() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let noFolder = try AnnCommand.run(["train", "--data-dir", directory.path, "--layers", "16,8,4", "--resume"])
        #expect(noFolder.status == 64)
        #expect(noFolder.standardError == "ann: error: --resume: needs --checkpoint-dir DIR\n")
        let empty = try AnnCommand.run(["train", "--data-dir", directory.path, "--layers", "16,8,4", "--resume", "--checkpoint-dir", directory.file("none")])
        #expect(empty.status == 64)
        #expect(empty.standardError.contains("no valid checkpoint"))
    }

    @Test("--resume with other flags is refused, naming each flag that differs")
    func resumeWithOtherFlags() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let flags = ["train", "--data-dir", directory.path, "--layers", "16,8,4", "--checkpoint-dir", directory.file("ck")]
        #expect(try AnnCommand.run(flags + ["--epochs", "1"]).status == 0)
        let other = try AnnCommand.run(flags + ["--epochs", "1", "--lr", "0.1", "--resume"])
        #expect(other.status == 64)
        #expect(other.standardError == """
            ann: error: --resume: the checkpoint was made with other settings (--lr was 0.05, now 0.1); \
            resume with the original settings

            """)
    }

    @Test("--resume refuses a folder whose checkpoints were made on other data")
    func resumeOnOtherData() throws {
        let first = try ScratchDirectory(), second = try ScratchDirectory()
        try writeSmallDataSet(to: first)
        try writeSmallDataSet(to: second, samples: 80)
        let checkpoints = first.file("ck")
        let flags = ["train", "--layers", "16,8,4", "--epochs", "1", "--checkpoint-dir", checkpoints]
        #expect(try AnnCommand.run(flags + ["--data-dir", first.path]).status == 0)
        let other = try AnnCommand.run(flags + ["--data-dir", second.path, "--resume"])
        #expect(other.status == 64)
        #expect(other.standardError == """
            ann: error: --resume: the checkpoints in \(checkpoints) belong to a run on other training data; \
            give this run a folder of its own

            """)
    }

    @Test("--resume names a changed loss; a folder of damaged checkpoints only is bad data (65)")
    func resumeFaults() throws {
        let directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        let checkpoints = directory.file("ck")
        let flags = ["train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "1", "--checkpoint-dir", checkpoints]
        #expect(try AnnCommand.run(flags).status == 0)
        let changed = try AnnCommand.run(flags + ["--loss", "mse", "--resume"])
        #expect(changed.status == 64)
        #expect(changed.standardError.contains("the flags ask for 16,8,4 relu softmax mse"))
        #expect(!changed.standardOutput.contains("resuming"))
        for name in try FileManager.default.contentsOfDirectory(atPath: checkpoints) where name.hasPrefix("checkpoint-") {
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: checkpoints + "/" + name)))
            bytes[bytes.count - 3] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: checkpoints + "/" + name))
        }
        let damaged = try AnnCommand.run(flags + ["--resume"])
        #expect(damaged.status == 65)
        #expect(damaged.standardError.contains("loads cleanly; nothing to resume"))
    }
}
