import CANNKernels

/// The bfloat16 weights a mixed-precision step multiplies, made from the
/// fp32 master weights before every step into buffers allocated once: each
/// layer's matrix in pairs along its rows, transposed (the forward pass's
/// operand), or not transposed where the forward pass computes Yᵀ = W·Xᵀ
/// (`transposedForward`), and in pairs down its columns (the input
/// gradient's). See `ann_gemm_bf16` for the layouts.
final class BFloat16Weights {
    private let layout: ParameterLayout
    private let forward: [BFloat16PairBuffer]
    private let backward: [BFloat16PairBuffer]
    /// Whether the forward pass runs as `ann_gemm_bf16_transposed`.
    let transposedForward: Bool

    /// The transposed forward pass on AMX, which would otherwise turn every
    /// weight matrix over each step; the plain one elsewhere, where a
    /// transposed output costs more than it saves.
    init(layout: ParameterLayout, path: Int32) {
        self.layout = layout
        transposedForward = path == Int32(ANN_BF16_AMX)
        forward = layout.layers.map { BFloat16PairBuffer(count: $0.outputs * (($0.inputs + 1) / 2)) }
        // The first layer computes no input gradient.
        backward = layout.layers.enumerated().map { l, layer in
            BFloat16PairBuffer(count: l > 0 ? ((layer.outputs + 1) / 2) * layer.inputs : 0)
        }
    }

    /// Rounds the current weights, with up to `threads` OpenMP threads.
    func refresh(from parameters: UnsafePointer<Float>, threads: Int) {
        for (l, layer) in layout.layers.enumerated() {
            let weights = parameters + layer.weightOffset, out = Int32(layer.outputs), inputs = Int32(layer.inputs)
            if transposedForward {
                ann_bf16_pairs_along_rows(forward[l].pointer, weights, out, inputs, Int32(threads))
            } else {
                ann_bf16_pairs_along_rows_transposed(forward[l].pointer, weights, out, inputs, Int32(threads))
            }
            if l > 0 { ann_bf16_pairs_down_columns(backward[l].pointer, weights, out, inputs, Int32(threads)) }
        }
    }

    /// Layer `l`'s weights for the forward pass.
    func forward(_ l: Int) -> UnsafePointer<UInt32> { UnsafePointer(forward[l].pointer) }
    /// Layer `l`'s weights for the input gradient (layers after the first).
    func backward(_ l: Int) -> UnsafePointer<UInt32> { UnsafePointer(backward[l].pointer) }
}

/// One shard's bfloat16 operands, remade layer by layer: the layer's input
/// in pairs along its rows (the forward pass's) and down its columns (the
/// weight gradient's), and the gradient flowing back in pairs along its rows
/// (the input gradient's) and down its columns, transposed (the weight
/// gradient's).
final class BFloat16Activations {
    let input: BFloat16PairBuffer
    let inputDown: BFloat16PairBuffer
    let gradient: BFloat16PairBuffer
    let gradientDown: BFloat16PairBuffer

    init(architecture: NetworkArchitecture, capacity: Int) {
        // Every layout of a (rows, cols) matrix fits (rows + 1) · (cols + 1) / 2 words.
        let words = (capacity + 1) * (architecture.widestLayer + 1) / 2
        input = BFloat16PairBuffer(count: words)
        inputDown = BFloat16PairBuffer(count: words)
        gradient = BFloat16PairBuffer(count: words)
        gradientDown = BFloat16PairBuffer(count: words)
    }
}
