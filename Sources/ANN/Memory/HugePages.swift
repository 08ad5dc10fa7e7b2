#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Asks Linux to back the whole 2 MB stretches of a buffer with 2 MB pages.
/// Called before the buffer is written, so that its pages are huge from their
/// first touch (pages already in use would only be merged later, if ever, by
/// khugepaged). The advice stays on the memory range, also after the buffer
/// is freed and the range reused, which costs nothing.
///
/// Minibatches read rows at random places in the training set: with 4 KB
/// pages nearly every row is a TLB miss and a page walk, which inside a VM
/// walks two sets of tables, and the input gather waits on them. Advice
/// only: where transparent huge pages are off or unavailable nothing
/// changes but the speed, so the result is ignored.
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let huge = 2 << 20
    // Below a few huge pages there is little to walk and less to gain.
    guard let base = buffer.baseAddress, buffer.count >= 4 * huge else { return }
    let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    #endif
}
