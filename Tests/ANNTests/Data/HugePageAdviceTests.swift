#if os(Linux)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
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

    static let huge = 2 << 20

    /// A fresh anonymous mapping, so that no earlier advice on a reused heap
    /// range can show through.
    static func withMapping(bytes: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        let memory = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let memory, memory != MAP_FAILED else {
            Issue.record("mmap of \(bytes) bytes failed")
            return
        }
        defer { munmap(memory, bytes) }
        try body(UnsafeMutableRawBufferPointer(start: memory, count: bytes))
    }

    static func firstWholeHugePage(of buffer: UnsafeRawBufferPointer) -> Int {
        (Int(bitPattern: buffer.baseAddress) + huge - 1) & ~(huge - 1)
    }

    @Test("a 16 MB buffer is advised, a 6 MB one is left alone")
    func adviceBySize() throws {
        // Where huge pages are always or never used, the advice cannot show.
        guard Self.mode == "madvise" else { return }
        try Self.withMapping(bytes: 8 * Self.huge) { buffer in
            adviseHugePages(buffer)
            let eligible = try Self.eligibility(of: Self.firstWholeHugePage(of: UnsafeRawBufferPointer(buffer)))
            #expect(eligible == 1)
        }
        try Self.withMapping(bytes: 3 * Self.huge) { buffer in
            adviseHugePages(buffer)
            let eligible = try Self.eligibility(of: Self.firstWholeHugePage(of: UnsafeRawBufferPointer(buffer)))
            #expect(eligible == 0)
        }
    }

    @Test("a large read is advised before it is filled, its bytes intact")
    func largeReadsAreAdvised() throws {
        guard Self.mode == "madvise" else { return }
        let bytes = try [UInt8](readingUpTo: 8 * Self.huge) { buffer in
            for i in 0..<buffer.count { buffer[i] = UInt8(truncatingIfNeeded: i &* 31) }
            return buffer.count
        }
        try withExtendedLifetime(bytes) {
            #expect(bytes.count == 8 * Self.huge)
            #expect(bytes[12_345] == UInt8(truncatingIfNeeded: 12_345 &* 31))
            let page = bytes.withUnsafeBytes { Self.firstWholeHugePage(of: $0) }
            let eligible = try Self.eligibility(of: page)
            #expect(eligible == 1)
        }
    }
}
#endif
