#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads pictures to classify: PGM (binary P5 and ASCII P2, up to 8 bits)
/// and PNG (8-bit grey, grey + alpha, RGB and RGBA, not interlaced), told
/// apart by their first bytes rather than by file name.
///
/// Colour becomes grey by the ITU-R BT.601 luma weights; alpha is blended
/// over black, the background of MNIST digits. Anything else (16-bit
/// samples, palettes, interlacing, other formats) is refused with a
/// ``DataError`` that says what the file is and what would be needed. Every
/// size a header claims is checked before anything is allocated for it, and
/// no input, however damaged or hostile, makes the decoder trap.
public enum ImageDecoder {
    /// The most pixels an image may have: 2²⁴ (e.g. 4096 × 4096), far
    /// beyond any digit, small enough that a lying header cannot make the
    /// decoder allocate gigabytes.
    public static let maximumPixelCount = 1 << 24

    /// The largest file read: 256 MiB.
    static let maximumFileSize = 1 << 28

    /// Decodes the image file at `path`.
    ///
    /// - Throws: ``DataError`` naming `path` as given when the file cannot be
    ///   read, is not a PGM or PNG image, uses a variant this decoder does not
    ///   support, or is damaged.
    public static func decode(fileAt path: String) throws(DataError) -> GreyImage {
        let bytes = try readFile(path)
        return try decode(bytes, source: path)
    }

    /// Decodes an image already in memory; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws(DataError) -> GreyImage {
        if bytes.starts(with: PNGFormat.signature) {
            return try PNGDecoder.decode(bytes, source: source)
        }
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") {
            switch bytes[1] {
            case UInt8(ascii: "2"), UInt8(ascii: "5"):
                return try PGMDecoder.decode(bytes, source: source)
            case UInt8(ascii: "1"), UInt8(ascii: "4"):
                throw DataError(file: source, reason: "a PBM (bitmap) image is not supported; convert it to PGM or 8-bit greyscale PNG")
            case UInt8(ascii: "3"), UInt8(ascii: "6"):
                throw DataError(file: source, reason: "a PPM (colour) image is not supported; convert it to PGM or PNG")
            default:
                break
            }
        }
        if bytes.isEmpty {
            throw DataError(file: source, reason: "the file is empty, not an image")
        }
        throw DataError(file: source, reason: "not a PNG or PGM image (unrecognised first bytes)")
    }

    /// The whole file, refusing anything that is not a regular file or is
    /// larger than ``maximumFileSize``.
    private static func readFile(_ path: String) throws(DataError) -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw DataError(file: path, reason: "cannot read the image: \(SystemError.describe(errno))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw DataError(file: path, reason: "not a regular file")
        }
        guard Int(status.st_size) <= maximumFileSize else {
            throw DataError(file: path, reason: "the file is \(status.st_size) bytes, more than the \(maximumFileSize) an image may have")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path)
        } catch {
            throw DataError(file: path, reason: "cannot read the image: \(error.reason)")
        }
        guard bytes.count <= maximumFileSize else {
            throw DataError(file: path, reason: "the file grew past \(maximumFileSize) bytes while it was read")
        }
        return bytes
    }

    /// Checks a claimed size before anything is allocated for it.
    static func checkSize(width: Int, height: Int, source: String) throws(DataError) {
        guard width >= 1, height >= 1 else {
            throw DataError(file: source, reason: "the header gives a size of \(width) × \(height); both must be at least 1")
        }
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, count <= maximumPixelCount else {
            throw DataError(
                file: source,
                reason: "the header gives a size of \(width) × \(height), more than the \(maximumPixelCount) pixels an image may have")
        }
    }
}
