import Foundation

/// How long an epoch's minibatch steps took: the middle of the distribution
/// and its tail.
///
/// An epoch's throughput averages in every pause the machine makes, and with
/// several threads a pause on one core holds up the whole team at its next
/// synchronisation. The median step shows the engine without those pauses;
/// the tail (p99, max) shows the pauses. Percentiles are nearest-rank.
public struct StepTimeSummary: Sendable, Equatable, Codable {
    /// Steps timed: all of the epoch's, or for an epoch resumed from a
    /// checkpoint, those run after resuming.
    public var steps: Int
    /// Seconds of the median step.
    public var median: Double
    /// Seconds that 90% of the steps took at most.
    public var p90: Double
    /// Seconds that 99% of the steps took at most.
    public var p99: Double
    /// Seconds of the slowest step.
    public var max: Double

    /// A step's duration for people: whole µs below 10 ms, else ms.
    public static func text(seconds: Double) -> String {
        guard seconds.isFinite else { return "\(seconds) s" }
        // Rounded first, so that 9,999.6 µs reads as 10.0 ms, not 10000 µs.
        let microseconds = (seconds * 1e6).rounded()
        return microseconds < 10_000
            ? "\(Int(microseconds)) µs"
            : String(format: "%.1f ms", microseconds / 1e3)
    }

    /// The summary of `seconds` (reordered in place: sorted), or nil when empty.
    static func summarizing(_ seconds: UnsafeMutableBufferPointer<Double>) -> StepTimeSummary? {
        guard !seconds.isEmpty else { return nil }
        heapSort(seconds)
        func percentile(_ q: Double) -> Double {
            let rank = Int((q * Double(seconds.count)).rounded(.up))
            return seconds[Swift.min(Swift.max(rank, 1), seconds.count) - 1]
        }
        return StepTimeSummary(
            steps: seconds.count, median: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99),
            max: seconds[seconds.count - 1])
    }

    /// Sorts in place. The standard library's sort may allocate a scratch
    /// buffer, and the benchmarks count a trainer's allocations.
    private static func heapSort(_ values: UnsafeMutableBufferPointer<Double>) {
        func siftDown(_ start: Int, _ end: Int) {
            var parent = start
            while true {
                var child = 2 * parent + 1
                guard child < end else { return }
                if child + 1 < end && values[child] < values[child + 1] { child += 1 }
                guard values[parent] < values[child] else { return }
                values.swapAt(parent, child)
                parent = child
            }
        }
        for start in stride(from: values.count / 2 - 1, through: 0, by: -1) { siftDown(start, values.count) }
        for end in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(0, end)
            siftDown(0, end)
        }
    }
}

/// The durations of the epoch in progress's steps, kept in storage allocated
/// once per run, so that timing a step allocates nothing.
final class StepTimer {
    private let seconds: UnsafeMutablePointer<Double>
    private let capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        seconds = .allocate(capacity: Swift.max(capacity, 1))
    }

    /// Seconds the epoch's steps spent exchanging gradients with the other
    /// processes of a group.
    private(set) var exchangeSeconds = 0.0

    func record(_ duration: Duration) {
        guard count < capacity else { return }
        seconds[count] = duration.inSeconds
        count += 1
    }

    func recordExchange(_ duration: Duration) { exchangeSeconds += duration.inSeconds }

    /// The summary of the steps recorded since the last call, and their
    /// exchanges' seconds; starts afresh.
    func finishEpoch() -> (steps: StepTimeSummary?, exchangeSeconds: Double) {
        defer {
            count = 0
            exchangeSeconds = 0
        }
        return (StepTimeSummary.summarizing(UnsafeMutableBufferPointer(start: seconds, count: count)), exchangeSeconds)
    }

    deinit { seconds.deallocate() }
}

extension Duration {
    /// The duration as a number of seconds.
    var inSeconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
