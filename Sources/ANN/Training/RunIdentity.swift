import CZlib

/// What makes two runs the same run: the network's shape, every setting
/// that changes the arithmetic (all but the thread count), and the training
/// data, as a CRC-32 of each sample's features and target. A checkpoint
/// records it, is named by it, and resumes only the run it belongs to.
public struct RunIdentity: Sendable, Equatable, CustomStringConvertible {
    /// Eight hexadecimal digits of the shape and settings.
    public let settings: String
    /// Eight hexadecimal digits of the training data.
    public let data: String

    /// The identity of training `architecture` with `configuration` on
    /// `training` (in `processes` processes, which may change the default
    /// shard count).
    public init(
        architecture: NetworkArchitecture, configuration: TrainingConfiguration, training: Dataset, processes: Int = 1
    ) {
        var normalized = configuration
        normalized.threads = 1
        normalized.shards = configuration.resolvedShards(processes: processes)
        let shape = "\(architecture.layerSizes) \(architecture.activation) \(architecture.output) \(architecture.loss)"
        settings = Self.hex(Self.crc(Array((shape + TrainingCheckpoint.json(normalized)).utf8)))
        data = Self.hex(training.fingerprint)
    }

    init(settings: String, data: String) {
        self.settings = settings
        self.data = data
    }

    /// `settings-data`, as checkpoint names carry it.
    public var description: String { "\(settings)-\(data)" }

    static func crc(_ bytes: [UInt8], seed: UInt = crc32(0, nil, 0)) -> UInt {
        bytes.withUnsafeBufferPointer { crc32(seed, $0.baseAddress, uInt($0.count)) }
    }

    static func crc(_ raw: UnsafeRawBufferPointer, seed: UInt) -> UInt {
        var crc = seed, offset = 0
        // zlib's length is 32 bits.
        while offset < raw.count {
            let count = min(raw.count - offset, 1 << 30)
            crc = crc32(crc, raw.baseAddress?.advanced(by: offset).assumingMemoryBound(to: UInt8.self), uInt(count))
            offset += count
        }
        return crc
    }

    static func hex(_ value: UInt) -> String {
        let digits = String(value & 0xFFFF_FFFF, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

extension Dataset {
    /// A CRC-32 of the features and the targets, in sample order.
    var fingerprint: UInt {
        var crc = crc32(0, nil, 0)
        switch features {
        case .bytes(let bytes, let scale):
            crc = bytes.withUnsafeBytes { RunIdentity.crc($0, seed: crc) }
            crc = withUnsafeBytes(of: scale.bitPattern) { RunIdentity.crc($0, seed: crc) }
        case .floats(let floats):
            crc = floats.withUnsafeBytes { RunIdentity.crc($0, seed: crc) }
        }
        switch targets {
        case .classes(let labels): crc = labels.withUnsafeBytes { RunIdentity.crc($0, seed: crc) }
        case .values(let values, _): crc = values.withUnsafeBytes { RunIdentity.crc($0, seed: crc) }
        }
        return crc
    }
}
