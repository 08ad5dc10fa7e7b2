#if os(Linux)
import Testing

@testable import ANN

/// Large byte buffers (the training images) are advised onto 2 MB pages
/// before they are filled; the kernel records the advice on the mapping,
/// which /proc/self/smaps shows as `THPeligible: 1`.
@Suite("Huge-page advice")
struct HugePageAdviceTests {
    /// The system's transparent-huge-page mode: always, madvise or never.
    static var mode: String? {
        guard let raw = try? FileContents.read("/sys/kernel/mm/transparent_hugepage/enabled"),
              case let text = String(decoding: raw, as: UTF8.self), let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]")
        else { return nil }
        return String(text[text.index(after: open)..<close])
    }

    /// The `THPeligible` value of the mapping that holds `address`.
    static func eligibility(of address: Int) throws -> Int? {
        // procfs files report a size of 0, so read them to the end in chunks.
        let smaps = String(decoding: try FileContents.read("/proc/self/smaps"), as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), fields.count >= 5 {
                let bounds = range.split(separator: "-").compactMap { Int($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside, fields.first == "THPeligible:", let value = fields.last {
                return Int(value)
            }
        }
        return nil
    }

    @Test("a 16 MB read is advised, its bytes intact; a small one is left alone")
    func largeReadsAreAdvised() throws {
        // Where huge pages are off, the advice cannot show.
        guard let mode = Self.mode, mode == "madvise" else { return }
        let huge = 2 << 20
        let bytes = try [UInt8](readingUpTo: 8 * huge) { buffer in
            for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 31) }
            return buffer.count
        }
        #expect(bytes.count == 8 * huge)
        #expect(bytes[12_345] == UInt8(truncatingIfNeeded: 12_345 &* 31))
        let base = bytes.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
        let firstWhole = (base + huge - 1) & ~(huge - 1)
        #expect(try Self.eligibility(of: firstWhole) == 1)
        let small = try [UInt8](readingUpTo: huge) { buffer in buffer.count }
        let smallBase = small.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
        #expect(try Self.eligibility(of: smallBase) == 0)
    }
}
#endif
