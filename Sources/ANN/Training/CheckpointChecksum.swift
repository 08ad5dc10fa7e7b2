import CZlib

/// The CRC-32 a checkpoint carries in `__metadata__["checksum"]`, over
/// everything else in it: every tensor's name, shape and values, and every
/// other metadata entry, in a fixed order. A flipped byte or a zeroed block
/// anywhere in the file then shows, and the checkpoint is refused.
enum CheckpointChecksum {
    static let key = "checksum"

    /// `crc32:` and eight hexadecimal digits.
    static func of(tensors: [Tensor], metadata: [String: String]) -> String {
        var crc = crc32(0, nil, 0)
        func add(_ text: String) {
            var text = text + "\u{0}"
            text.withUTF8 { crc = crc32(crc, $0.baseAddress, uInt($0.count)) }
        }
        for tensor in tensors.sorted(by: { $0.name < $1.name }) {
            add(tensor.name)
            add(tensor.shape.map(String.init).joined(separator: ","))
            tensor.values.withUnsafeBytes { bytes in
                // In chunks: zlib's length is 32 bits.
                var offset = 0
                while offset < bytes.count {
                    let count = min(bytes.count - offset, 1 << 30)
                    crc = crc32(crc, bytes.baseAddress?.advanced(by: offset).assumingMemoryBound(to: UInt8.self), uInt(count))
                    offset += count
                }
            }
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where key != Self.key {
            add(key)
            add(value)
        }
        let hex = String(crc, radix: 16)
        return "crc32:" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}
