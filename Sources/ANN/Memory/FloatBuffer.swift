/// Owned, 64-byte aligned storage for `Float`s, allocated once and freed with
/// its owner: the engine's buffers never grow or move while training runs.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    convenience init(copying values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    func fill(with values: [Float]) {
        precondition(values.count == count, "engine bug: buffer size mismatch")
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// Owned, zeroed storage for integers, allocated once: labels, predictions
/// and the sample order (`Int32`), pairs of bfloat16 values (`UInt32`).
final class IntegerBuffer<Element: FixedWidthInteger> {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

typealias Int32Buffer = IntegerBuffer<Int32>
/// Pairs of bfloat16 values, two to a 32-bit word.
typealias BFloat16PairBuffer = IntegerBuffer<UInt32>
