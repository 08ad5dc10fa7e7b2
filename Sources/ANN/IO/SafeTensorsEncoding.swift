extension SafeTensors {
    /// The file's bytes.
    ///
    /// Deterministic: metadata keys are sorted and tensors keep their order, so
    /// equal contents give equal bytes. The header is padded with spaces so that
    /// the data starts at a multiple of 8 bytes.
    ///
    /// - Precondition: Tensor names are unique and not `__metadata__`, and each
    ///   tensor has as many values as its shape calls for. ``write(to:)`` checks
    ///   this and throws instead.
    public func encoded() -> [UInt8] {
        if let problem = encodingProblem() {
            preconditionFailure("cannot encode safetensors: \(problem)")
        }
        var header = Array(headerJSON().utf8)
        let unpadded = SafeTensorsLayout.lengthFieldSize + header.count
        let padding = (SafeTensorsLayout.alignment - unpadded % SafeTensorsLayout.alignment)
            % SafeTensorsLayout.alignment
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        let dataSize = tensors.reduce(0) { $0 + $1.values.count * SafeTensorsLayout.float32Size }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(SafeTensorsLayout.lengthFieldSize + header.count + dataSize)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for tensor in tensors {
            appendLittleEndian(tensor.values, to: &bytes)
        }
        return bytes
    }

    /// The JSON header, compact and without padding.
    func headerJSON() -> String {
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { key in
                JSONText.quoted(key) + ":" + JSONText.quoted(metadata[key] ?? "")
            }
            members.append(JSONText.quoted(SafeTensorsLayout.metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.values.count * SafeTensorsLayout.float32Size
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append(
                JSONText.quoted(tensor.name)
                    + ":{\"dtype\":\"\(SafeTensorsLayout.float32)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}

/// Appends `values` as little-endian IEEE 754 binary32, bit for bit (NaN payloads included).
private func appendLittleEndian(_ values: [Float], to bytes: inout [UInt8]) {
    #if _endian(little)
    values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    #else
    for value in values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    #endif
}
