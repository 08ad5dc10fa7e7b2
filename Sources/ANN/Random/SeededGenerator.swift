/// xoshiro256** seeded through SplitMix64: fast, well-distributed and, unlike
/// the system generator, the same sequence on every platform for a seed.
///
/// <doc:ReproducingARun> spells the algorithm out (in Python), with the
/// initial weights and the sample order it draws.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The four state words, for checkpoints.
    var words: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// A generator continuing from saved state words.
    init?(words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A float uniform in [-1, 1), from the top 24 bits so every value is exact.
    mutating func nextSignedUnitFloat() -> Float {
        Float(next() >> 40) * (2.0 / 16_777_216.0) - 1.0
    }

    /// Fisher–Yates from the last element down, the index for element i
    /// uniform in 0...i from the top 32 bits of a draw (Lemire's
    /// multiply-shift): the trainer's sample order, as "Reproducing a run"
    /// documents it, and the held-out split of a table.
    mutating func shuffle<Elements: MutableCollection & RandomAccessCollection>(
        _ elements: inout Elements
    ) where Elements.Index == Int {
        let first = elements.startIndex, count = elements.count
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(((next() >> 32) &* UInt64(i + 1)) >> 32)
            elements.swapAt(first + i, first + j)
        }
    }

    /// Whether two generators will produce the same sequence from here on.
    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool {
        a.state == b.state
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
