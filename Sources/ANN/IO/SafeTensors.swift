/// The contents of a safetensors file: named F32 tensors plus string metadata.
///
/// The layout follows the safetensors specification
/// (<https://github.com/huggingface/safetensors>): an 8-byte little-endian
/// header length, a JSON header describing each tensor, then the raw data.
public struct SafeTensors: Sendable, Equatable {
    /// The tensors, in file order (the order of their data).
    public var tensors: [Tensor]
    /// Free-form string pairs stored under the header's `__metadata__` key.
    public var metadata: [String: String]

    /// Creates the contents of a file.
    public init(tensors: [Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The first tensor called `name`, if any.
    public func tensor(named name: String) -> Tensor? {
        tensors.first { $0.name == name }
    }

    /// Writes the file atomically: `path` ends up holding either the old file or this one.
    /// Checks, without writing, that ``write(to:)`` could write `path`: its
    /// folder exists and takes new files, and the path is absent, a regular
    /// file or a link to one. For checking an output before a long run.
    public static func checkWritable(_ path: String) throws(ModelFileError) {
        do {
            try AtomicFile.checkWritable(path)
        } catch {
            throw ModelFileError(file: path, reason: error.reason)
        }
    }

    /// Takes `path` for this process until the lock goes: a second run
    /// that would write the same model at the same time is refused.
    public static func lockForWriting(_ path: String) throws(ModelFileError) -> ExclusiveLock {
        let (directory, name) = AtomicFile.split(path)
        return try ExclusiveLock(
            lockFile: directory + "/." + name + ".lock", owner: path,
            inUse: "another run is writing this file; give each run an output of its own", removeAfter: true)
    }

    public func write(to path: String) throws(ModelFileError) {
        if let problem = encodingProblem() {
            throw ModelFileError(file: path, reason: problem)
        }
        do {
            try AtomicFile.write(encoded(), to: path)
        } catch {
            throw ModelFileError(file: path, reason: error.reason)
        }
    }

    /// Reads and validates the file at `path`.
    public static func read(from path: String) throws(ModelFileError) -> SafeTensors {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path)
        } catch {
            throw ModelFileError(file: path, reason: "cannot read: \(error.reason)")
        }
        return try decode(bytes, source: path)
    }

    /// Why these contents cannot be encoded as a valid file, or nil when they can.
    func encodingProblem() -> String? {
        var names = Set<String>()
        for tensor in tensors {
            guard tensor.name != SafeTensorsLayout.metadataKey else {
                return "tensor name \"\(SafeTensorsLayout.metadataKey)\" is reserved for metadata"
            }
            guard names.insert(tensor.name).inserted else {
                return "tensor name \"\(tensor.name)\" is used twice"
            }
            guard let count = tensor.elementCountOfShape else {
                return "tensor \"\(tensor.name)\" has an invalid shape \(tensor.shape)"
            }
            guard count == tensor.values.count else {
                return "tensor \"\(tensor.name)\" has shape \(tensor.shape) (\(count) elements) "
                    + "but \(tensor.values.count) values"
            }
        }
        return nil
    }
}

/// Constants of the safetensors layout.
enum SafeTensorsLayout {
    /// Size of the little-endian header length that starts every file.
    static let lengthFieldSize = 8
    /// The header key reserved for metadata.
    static let metadataKey = "__metadata__"
    /// The only dtype this package stores.
    static let float32 = "F32"
    /// Bytes per F32 element.
    static let float32Size = 4
    /// Headers beyond this are refused before allocating, as the reference implementation does.
    static let maximumHeaderLength: UInt64 = 100_000_000
    /// The start of the data is aligned to this many bytes.
    static let alignment = 8
}
