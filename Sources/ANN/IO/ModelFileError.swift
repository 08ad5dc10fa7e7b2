/// A model file could not be written, read or understood.
public struct ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or other source) concerned.
    public let file: String
    /// What is wrong, in words meant for the user.
    public let reason: String

    /// Creates an error about `file`.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    /// "`file`: `reason`".
    public var description: String { "\(file): \(reason)" }
}
