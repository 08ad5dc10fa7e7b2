/// A setting that cannot work, named by the command-line flag that sets it.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The flag (or API parameter) at fault, e.g. `--threads`.
    public let flag: String
    /// What is wrong with it.
    public let reason: String

    /// An error for `flag` saying `reason`.
    public init(flag: String, reason: String) {
        self.flag = flag
        self.reason = reason
    }

    /// `--flag: reason`, one line.
    public var description: String { "\(flag): \(reason)" }
}
